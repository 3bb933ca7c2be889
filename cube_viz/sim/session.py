"""A training session: a trainer driven by commands (sim.protocol), publishing what the window shows.

It knows no process or queue: the training process feeds it commands and passes on what it publishes,
and tests drive it in-process, command by command.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cube_viz.config import TrainConfig
from cube_viz.errors import Diverged, UserError
from cube_viz.sim.ablation import fraction_mask
from cube_viz.sim.checkpoint import resume_trainer, save_checkpoint
from cube_viz.sim.head_ablation import head_columns
from cube_viz.sim.protocol import (
    HISTORY_TAIL,
    Command,
    KnockOut,
    Pause,
    Play,
    Published,
    Reset,
    RunInfo,
    SetHyperparameters,
    SetPrompt,
    SetSpeed,
    SilenceHead,
    Step,
    Stop,
)
from cube_viz.sim.snapshot import Snapshot, weight_indices
from cube_viz.sim.trainer import Trainer

PUBLISH_EVERY = 1 / 30  # seconds: snapshots while playing at most 30 times a second
MAX_BACKLOG = 0.25  # seconds behind schedule after which training stops catching up


class TrainingSession:
    """`handle(command)` answers a command; `advance(now)` trains the steps due by then. Both publish
    through `publish(Published)`. Building it raises UserError for bad flags, corpus, prompt or checkpoint."""

    def __init__(self, overrides: dict[str, Any], checkpoint: str | None, publish: Callable[[Published], None],
                 steps_per_second: float = 60.0, playing: bool = True, save: Path | None = None):
        self.overrides, self.checkpoint, self.save = overrides, checkpoint, save
        self._publish, self.steps_per_second, self.playing = publish, steps_per_second, playing
        self.trainer = self._make()
        self.steps_done = self.taken = 0  # steps trained, commands taken
        # --steps / --epochs (or a config file's): the window pauses once this session has trained that many
        self.pause_after = self.trainer.steps_for(self.trainer.config) \
            if "steps" in overrides or overrides.get("epochs") else None
        self.next_step: float | None = None  # when the next step is due (None: at once)
        self.last_publish = -np.inf
        self.publish(self.trainer.snapshot())

    def _make(self) -> Trainer:
        if self.checkpoint:
            return resume_trainer(self.checkpoint, self.overrides)
        return Trainer.from_config(TrainConfig.from_dict(self.overrides, source="flags"))

    @property
    def info(self) -> RunInfo:
        group = self.trainer.optimizer.param_groups[0]
        c = self.trainer.config
        transformer = c.model == "transformer"
        return RunInfo(self.trainer.initial_parameters(), self.trainer.dataset.vocab.words, float(group["lr"]),
                       float(group["weight_decay"]), self.trainer.batches_per_epoch,
                       c.layers if transformer else 0, c.heads if transformer else 0)

    def publish(self, snapshot: Snapshot, before: Snapshot | None = None, message: str | None = None,
                knocked: np.ndarray | None = None) -> None:
        losses = np.asarray(self.trainer.history[-HISTORY_TAIL:], np.float32)
        self._publish(Published(snapshot, before, losses, self.trainer.step_count, self.steps_done, self.playing,
                                message, knocked, self.taken))

    def handle(self, command: Command) -> str | None:
        """Carry out one command. Stop returns the closing message (the checkpoint written, if asked for)."""
        self.taken += 1
        match command:
            case Stop():
                if self.save is None:
                    return None
                save_checkpoint(self.trainer, self.save)
                return f"checkpoint: {self.save} (step {self.trainer.step_count})"
            case Play():
                self.playing = True
            case Pause():  # show exactly the model that stopped (snapshots are sent at most 30/s)
                self.playing = False
                self.publish(self.trainer.snapshot())
            case Step():
                self.playing = False
                before = self.trainer.snapshot()
                self._train(lambda snap: self.publish(snap, before))
            case SetSpeed(steps_per_second):
                self.steps_per_second = max(0.1, float(steps_per_second))
            case SetHyperparameters(lr, weight_decay):
                self.trainer.set_hyperparameters(lr=lr, weight_decay=weight_decay)
            case SetPrompt(text):
                try:
                    self.trainer.set_probe(text)
                    self.publish(self.trainer.snapshot())
                except UserError as e:
                    self.publish(self.trainer.snapshot(), message=str(e))
            case KnockOut(fraction):
                self.playing = False
                self._knock_out(float(fraction))
            case SilenceHead(layer, head):
                self.playing = False
                self._silence_head(int(layer), int(head))
            case Reset():
                self.trainer = self._make()
                self.publish(self.trainer.snapshot(), message="model re-initialised")
        return None

    def _knock_out(self, fraction: float) -> None:
        if fraction <= 0:
            self.publish(self.trainer.snapshot(), message="all reflectors restored")
            return
        index = weight_indices(self.trainer.layout)
        knocked = fraction_mask(len(index), fraction, self.trainer.config.seed)
        self._show_damaged(index[knocked], f"knocked out {int(knocked.sum())} reflectors ({fraction:.0%})")

    def _silence_head(self, layer: int, head: int) -> None:
        if layer < 0:
            self.publish(self.trainer.snapshot(), message="every head restored")
            return
        flat = head_columns(self.trainer.layout, layer, head, self.trainer.config.heads)  # (d * dh,) in params.flat
        self._show_damaged(flat, f"head {head + 1} of attention {layer + 1} knocked out (its columns of O at 0)")

    def _show_damaged(self, flat: np.ndarray, message: str) -> None:
        """Publish the model with the weights at params.flat indices `flat` at 0, marked as knocked out; the
        model itself is restored exactly."""
        with self.trainer.knocked_out(flat):
            damaged = self.trainer.snapshot()
        self.publish(damaged, message=message, knocked=np.isin(weight_indices(self.trainer.layout), flat))

    def _train(self, published: Callable[[Snapshot], None], capture: bool = True) -> bool:
        """One step; its snapshot (if captured) to `published`. False when it diverged (paused, said why)."""
        try:
            snap = self.trainer.step(capture=capture)
        except Diverged as e:
            self.playing = False
            self.publish(self.trainer.snapshot(), message=str(e))
            return False
        self.steps_done += 1
        if snap is not None:
            published(snap)
        return True

    def advance(self, now: float) -> float:
        """Train the step due by `now` (seconds, a monotonic clock) while playing; seconds until the next."""
        if not self.playing:
            self.next_step = now
            return 0.01
        due = now if self.next_step is None else self.next_step
        if now < due:
            return min(due - now, 0.01)
        capture = now - self.last_publish >= PUBLISH_EVERY
        if not self._train(self.publish, capture):
            return 0.0
        if capture:
            self.last_publish = now
        if self.steps_done == self.pause_after:
            self.playing = False
            self.publish(self.trainer.snapshot(), message=f"paused after {self.steps_done} steps (as asked); "
                         "Space trains on")
            return 0.0
        self.next_step = max(due, now - MAX_BACKLOG) + 1.0 / self.steps_per_second  # no backlog to catch up
        return 0.0


def run_session(session: TrainingSession, commands: Callable[[], list[Command]],
                alive: Callable[[], bool] = lambda: True) -> str | None:
    """Feed the session its commands and train until Stop (returns its message) or until not `alive()`."""
    while alive():
        for command in commands():
            if isinstance(command, Stop):
                return session.handle(command)
            session.handle(command)
        wait = session.advance(time.perf_counter())
        if wait > 0:  # a sleep of 0 would still give the core away, after every step
            time.sleep(wait)
    return None
