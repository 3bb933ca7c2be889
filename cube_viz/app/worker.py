"""The training session in a separate process, sharing only immutable snapshots with the window.

A process, not a thread: VTK holds Python's GIL while it renders, so a training thread stalls for every
frame (measured: 0.19 of headless speed) and steals the GUI thread's turns. The window sends commands
(sim.protocol) and takes the newest published snapshot; the trainer never waits for the window.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import signal
import time
from pathlib import Path
from typing import Any

from cube_viz.sim.protocol import Command, Pause, Play, Published, RunInfo, SetSpeed, Step, Stop


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

    def send(self, command: Command) -> None:
        if isinstance(command, SetSpeed):
            self.steps_per_second = float(command.steps_per_second)
        elif isinstance(command, Play | Pause | Step):
            self.playing = isinstance(command, Play)
        self.commands.put(command)
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
        self.commands.put(Stop())
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
    """The training process: a TrainingSession fed from `commands`, publishing to `results`, until Stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal closes the window, which stops this
    import torch

    from cube_viz.errors import UserError
    from cube_viz.sim.session import TrainingSession, run_session

    torch.set_num_threads(1)

    def publish(published: Published) -> None:
        item = ("published", published)
        try:
            results.put_nowait(item)
        except queue.Full:  # the window is behind: drop the oldest, keep the newest
            with contextlib.suppress(queue.Empty):
                results.get_nowait()  # may find nothing: the oldest can still be in this process's feeder thread
            # so wait for room rather than lose this one (a pause's or a prompt's snapshot must arrive); a window
            # gone for a second gets nothing
            with contextlib.suppress(queue.Full):
                results.put(item, timeout=1.0)

    def pending() -> list[Command]:
        taken = []
        with contextlib.suppress(queue.Empty):
            while True:
                taken.append(commands.get_nowait())
        return taken

    try:
        session = TrainingSession(overrides, checkpoint, publish, steps_per_second, playing, save)
    except UserError as e:
        startup.put(("error", str(e)))
        return
    startup.put(("hello", session.info))
    parent = mp.parent_process()
    message = run_session(session, pending, alive=lambda: parent is None or parent.is_alive())
    results.put(("stopped", message))
