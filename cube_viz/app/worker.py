"""Training in a background thread, sharing only immutable snapshots with the window (no Qt, no VTK here).

The window sends commands (play, pause, one step, speed, hyper-parameters, prompt, reset) and reads the
newest snapshot from a latest-value slot; the worker never waits for the window.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cube_viz.errors import Diverged, UserError
from cube_viz.sim.snapshot import Snapshot
from cube_viz.sim.trainer import Trainer


@dataclass(frozen=True)
class Published:
    """What the window reads: the newest snapshot, the step before it when it is a single step to replay."""

    snapshot: Snapshot
    before: Snapshot | None  # set when this is one step to play as a full cycle
    serial: int  # increases with every publication
    message: str | None = None  # a problem to show (bad prompt, divergence)


class LatestSlot:
    """A one-value mailbox: put() replaces, get() returns the newest (or None if nothing new)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value: Published | None = None
        self._read = 0

    def put(self, value: Published) -> None:
        with self._lock:
            self._value = value

    def get(self) -> Published | None:
        with self._lock:
            if self._value is None or self._value.serial == self._read:
                return None
            self._read = self._value.serial
            return self._value


class TrainingWorker(threading.Thread):
    """Owns the trainer. Runs steps at `steps_per_second` while playing; idles (cheaply) while paused."""

    def __init__(self, make_trainer: Callable[[], Trainer], steps_per_second: float = 60.0, playing: bool = True,
                 trainer: Trainer | None = None):
        super().__init__(name="cube-viz-training", daemon=True)
        self.make_trainer = make_trainer  # for reset: a fresh model from the same settings
        self.trainer = trainer or make_trainer()
        self.slot = LatestSlot()
        self.steps_per_second = steps_per_second
        self.playing = playing
        self.commands: queue.Queue = queue.Queue()
        self._halt = threading.Event()
        self._serial = 0
        self.steps_done = 0  # steps trained in this session (for the app's steps/s)
        self._publish(self.trainer.snapshot())

    # --- called from the window's thread -------------------------------------------------------
    def send(self, command: str, *args) -> None:
        self.commands.put((command, args))

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)

    # --- the worker's own thread ---------------------------------------------------------------
    def run(self) -> None:
        next_step = time.perf_counter()
        while not self._halt.is_set():
            self._handle_commands()
            if not self.playing:
                time.sleep(0.01)
                next_step = time.perf_counter()
                continue
            now = time.perf_counter()
            if now < next_step:
                time.sleep(min(next_step - now, 0.01))
                continue
            self._train(1)
            next_step += 1.0 / self.steps_per_second
            if time.perf_counter() - next_step > 0.25:  # cannot keep up: do not build a backlog
                next_step = time.perf_counter()

    def _train(self, n: int, replay: bool = False) -> None:
        before = self.trainer.snapshot() if replay else None
        try:
            for i in range(n):
                capture = i == n - 1
                snap = self.trainer.step(capture=capture)
                self.steps_done += 1
        except Diverged as e:
            self.playing = False
            self._publish(self.trainer.snapshot(), message=str(e))
            return
        self._publish(snap, before)

    def _publish(self, snapshot: Snapshot, before: Snapshot | None = None, message: str | None = None) -> None:
        self._serial += 1
        self.slot.put(Published(snapshot, before, self._serial, message))

    def _handle_commands(self) -> None:
        while True:
            try:
                command, args = self.commands.get_nowait()
            except queue.Empty:
                return
            if command == "play":
                self.playing = True
            elif command == "pause":
                self.playing = False
            elif command == "step":  # one step, to be played as a full cycle
                self.playing = False
                self._train(1, replay=True)
            elif command == "speed":
                self.steps_per_second = max(0.1, float(args[0]))
            elif command == "hyper":
                self.trainer.set_hyperparameters(lr=args[0], weight_decay=args[1])
            elif command == "prompt":
                try:
                    self.trainer.set_probe(args[0])
                    self._publish(self.trainer.snapshot())
                except UserError as e:
                    self._publish(self.trainer.snapshot(), message=str(e))
            elif command == "reset":
                self.trainer = self.make_trainer()
                self._publish(self.trainer.snapshot(), message="model re-initialised")
