"""Training in a separate process, sharing only immutable snapshots with the window (no Qt, no VTK here).

A process, not a thread: VTK holds Python's GIL while it renders, so a training thread stalls for every
frame (measured: 0.19 of headless speed) and steals the GUI thread's turns. The window sends commands
(play, pause, one step, speed, hyper-parameters, prompt, reset, stop) and takes the newest published
snapshot; the trainer never waits for the window.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cube_viz.sim.snapshot import Snapshot, Tensors

HISTORY_TAIL = 5000  # losses sent with each snapshot, for the loss chart


@dataclass(frozen=True)
class RunInfo:
    """What the window needs once: the starting weights (tilt scales), the words, the hyper-parameters."""

    initial: Tensors
    vocab: list[str]
    lr: float
    weight_decay: float
    batches_per_epoch: int


@dataclass(frozen=True)
class Published:
    snapshot: Snapshot
    before: Snapshot | None  # set when this is one step to play as a full cycle
    losses: np.ndarray  # (<= HISTORY_TAIL,) the latest training losses, for the chart
    step: int  # steps trained so far (the run's step counter)
    steps_done: int  # steps trained in this session
    playing: bool
    message: str | None = None  # a problem to show (bad prompt, divergence)
    knocked: np.ndarray | None = None  # (N,) bool: reflectors knocked out in this (damaged) snapshot
    commands: int = 0  # commands the process had taken when it published this


class TrainingWorker:
    """Starts the training process; `send()` commands, `latest()` the newest Published (None if none new)."""

    def __init__(self, overrides: dict[str, Any], checkpoint: str | None = None, steps_per_second: float = 60.0,
                 playing: bool = True, save: Path | None = None):
        context = mp.get_context("spawn")  # never fork a process that holds GL or Qt state
        self.commands = context.Queue()
        # the run's one start message (RunInfo or an error) has its own queue: on `results` the newest
        # snapshots push out the oldest, and a window slow to start once lost the start message that way
        self.startup = context.Queue(maxsize=1)
        self.results = context.Queue(maxsize=3)
        self.process = context.Process(target=serve, name="cube-viz-training", daemon=True,
                                       args=(overrides, checkpoint, steps_per_second, playing, save,
                                             self.commands, self.startup, self.results))
        self.process.start()  # it imports torch and reads the corpus while the caller builds the window
        self._info: RunInfo | None = None
        self.steps_per_second, self.playing = steps_per_second, playing
        self.current: Published | None = None
        self.sent = 0  # commands sent

    @property
    def info(self) -> RunInfo:
        """What the run starts from. The first call waits for the training process to report; a run that
        cannot start (bad flags, corpus, prompt or checkpoint) raises UserError here."""
        if self._info is None:
            while True:  # the first message says whether the run could start; a dead process says no
                try:
                    kind, payload = self.startup.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not self.process.is_alive():
                        code = self.process.exitcode
                        raise RuntimeError(f"the training process exited ({code}) before starting") from None
            if kind == "error":
                self.process.join(timeout=5)
                from cube_viz.errors import UserError

                raise UserError(payload)
            self._info = payload
        return self._info

    def send(self, command: str, *args) -> None:
        if command == "speed":
            self.steps_per_second = float(args[0])
        elif command in ("play", "pause", "step"):
            self.playing = command == "play"
        self.commands.put((command, args))
        self.sent += 1

    def latest(self) -> Published | None:
        newest = None
        while True:
            try:
                kind, payload = self.results.get_nowait()
            except queue.Empty:
                break
            if kind == "published":
                newest = payload
        if newest is not None:
            self.current = newest
            if newest.commands == self.sent:  # it has seen every command: whether it plays is its own word
                self.playing = newest.playing  # (it pauses itself when training diverges)
        return newest

    def stop(self, timeout: float = 30.0) -> str | None:
        """Stop training (saving the checkpoint if one was asked for); returns the process's last message."""
        if not self.process.is_alive():
            return None
        self.commands.put(("stop", ()))
        deadline = time.time() + timeout
        message = None
        while time.time() < deadline and self.process.is_alive():
            try:
                kind, payload = self.results.get(timeout=0.2)
                if kind == "stopped":
                    message = payload
                    break
            except queue.Empty:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
        return message


def serve(overrides, checkpoint, steps_per_second, playing, save, commands, startup, results) -> None:
    """The training process: build the trainer, then train and publish until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal closes the window, which stops this
    import torch

    from cube_viz.config import TrainConfig
    from cube_viz.errors import Diverged, UserError
    from cube_viz.sim.ablation import fraction_mask
    from cube_viz.sim.checkpoint import resume_trainer, save_checkpoint
    from cube_viz.sim.snapshot import weight_indices
    from cube_viz.sim.trainer import Trainer

    torch.set_num_threads(1)

    def make():
        return resume_trainer(checkpoint, overrides) if checkpoint else Trainer.from_config(
            TrainConfig.from_dict(overrides, source="flags"))

    try:
        trainer = make()
    except UserError as e:
        startup.put(("error", str(e)))
        return
    group = trainer.optimizer.param_groups[0]
    startup.put(("hello", RunInfo(trainer.initial_parameters(), trainer.dataset.vocab.words, float(group["lr"]),
                                  float(group["weight_decay"]), trainer.batches_per_epoch)))
    steps_done = taken = 0  # steps trained, commands taken
    # --steps / --epochs (or a config file's): the window pauses once this session has trained that many
    pause_after = trainer.steps_for(trainer.config) if "steps" in overrides or overrides.get("epochs") else None

    def publish(snapshot, before=None, message=None, knocked=None) -> None:
        item = ("published", Published(snapshot, before, np.asarray(trainer.history[-HISTORY_TAIL:], np.float32),
                                       trainer.step_count, steps_done, playing, message, knocked, taken))
        try:
            results.put_nowait(item)
        except queue.Full:  # the window is behind: drop the oldest, keep the newest
            with contextlib.suppress(queue.Empty):
                results.get_nowait()  # may find nothing: the oldest can still be in this process's feeder thread
            # so wait for room rather than lose this one (a pause's or a prompt's snapshot must arrive); a window
            # gone for a second gets nothing
            with contextlib.suppress(queue.Full):
                results.put(item, timeout=1.0)

    publish(trainer.snapshot())
    parent = mp.parent_process()
    next_step, last_publish = time.perf_counter(), 0.0
    while True:
        if parent is not None and not parent.is_alive():  # the window died without saying stop
            return
        while True:
            try:
                command, args = commands.get_nowait()
            except queue.Empty:
                break
            taken += 1
            if command == "stop":
                message = None
                if save is not None:
                    save_checkpoint(trainer, save)
                    message = f"checkpoint: {save} (step {trainer.step_count})"
                results.put(("stopped", message))
                return
            if command in ("play", "pause"):
                playing = command == "play"
                if not playing:  # show exactly the model that stopped (snapshots are sent at most 30/s)
                    publish(trainer.snapshot())
            elif command == "step":
                playing = False
                before = trainer.snapshot()
                try:
                    snap = trainer.step(capture=True)
                    steps_done += 1
                    publish(snap, before)
                except Diverged as e:
                    publish(trainer.snapshot(), message=str(e))
            elif command == "speed":
                steps_per_second = max(0.1, float(args[0]))
            elif command == "hyper":
                trainer.set_hyperparameters(lr=args[0], weight_decay=args[1])
            elif command == "prompt":
                try:
                    trainer.set_probe(args[0])
                    publish(trainer.snapshot())
                except UserError as e:
                    publish(trainer.snapshot(), message=str(e))
            elif command == "ablate":  # show the model with a fraction of its reflectors set to 0; it stays intact
                playing = False
                fraction = float(args[0])
                if fraction <= 0:
                    publish(trainer.snapshot(), message="all reflectors restored")
                    continue
                index = weight_indices(trainer.layout)
                knocked = fraction_mask(len(index), fraction, trainer.config.seed)
                with trainer.knocked_out(index[knocked]):
                    damaged = trainer.snapshot()
                publish(damaged, message=f"knocked out {int(knocked.sum())} reflectors ({fraction:.0%})",
                        knocked=knocked)
            elif command == "reset":
                trainer = make()
                publish(trainer.snapshot(), message="model re-initialised")
        now = time.perf_counter()
        if not playing or now < next_step:
            time.sleep(0.01 if not playing else min(max(next_step - now, 0.0), 0.01))
            if not playing:
                next_step = time.perf_counter()
            continue
        try:
            due_publish = now - last_publish >= 1 / 30  # snapshots at most 30 times a second
            snap = trainer.step(capture=due_publish)
            steps_done += 1
        except Diverged as e:
            playing = False
            publish(trainer.snapshot(), message=str(e))
            continue
        if steps_done == pause_after:
            playing = False
            publish(trainer.snapshot(), message=f"paused after {steps_done} steps (as asked); Space trains on")
            continue
        if snap is not None:
            publish(snap)
            last_publish = now
        next_step += 1.0 / steps_per_second
        if time.perf_counter() - next_step > 0.25:  # cannot keep up: do not build a backlog
            next_step = time.perf_counter()
