"""The director: what every front end shows at time t, from the snapshots training hands it.

The window, the recorder and the screenshot differ only in how they choose t (wall clock, i / fps, fixed)
and in where they get snapshots (a training process, a trainer in-process, a run recording). Everything
else they share lives here: the mode (live, a step's cycle, knocked out, scrubbing the history), the
history, the hidden elements, the selection, the tempo and the cycle length, epoch banners, a storyboard
shot's caption and highlight, and the losses the chart draws.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, replace

import numpy as np

from cube_viz.anim.cycle import CYCLE_SECONDS, CyclePlan, StepCycle, training_frame
from cube_viz.scene.frame import CubeSpec, Frame, Losses, build_frame
from cube_viz.sim.protocol import Published
from cube_viz.sim.snapshot import Snapshot

BANNER_SECONDS = 1.5  # how long "epoch N begins" stays up
HISTORY = 600  # snapshots kept for scrubbing (the window's history slider)


@dataclass(frozen=True)
class Cycle:
    """One step played slowly: its cycle, precomputed when the step arrived, and when (t) it began."""

    step: StepCycle
    start: float


class Director:
    def __init__(self, spec: CubeSpec, cycle_seconds: float = CYCLE_SECONDS, history: int = HISTORY):
        self.spec, self.cycle_seconds = spec, cycle_seconds
        self.plan = CyclePlan.of(spec)  # what every step's cycle shares: built once
        self.history: collections.deque[Snapshot] = collections.deque(maxlen=history)
        self.current: Snapshot | None = None  # the newest snapshot (damaged while knocked out)
        self.knocked: np.ndarray | None = None  # (N,) bool reflectors at 0 in `current`
        self.playing = False  # training plays: its phases blended at training tempo
        self.cycle: Cycle | None = None
        self.scrubbed: int | None = None  # index into history while scrubbing; None = live
        self.hidden: set[str] = set()  # elements not drawn (render's element names)
        self.selection: tuple[str, int] | None = None  # ("reflector" | "bias" | "word", index)
        self.caption: str | None = None
        self.highlight: str | None = None
        self.exaggeration = 1.0
        self.banner: tuple[str, float] | None = None  # (text, shown until t)
        self.losses: Losses | None = None  # the losses the chart draws

    # --- what training hands over ---------------------------------------------------------------
    def show(self, snapshot: Snapshot, t: float, before: Snapshot | None = None, knocked: np.ndarray | None = None,
             playing: bool = False) -> None:
        """The newest model at time t: a step to play as its cycle (`before`, the model before it), a damaged
        model (`knocked`), or training going on (`playing`: its phases blended) or paused."""
        if self.current is not None and snapshot.epoch > self.current.epoch:
            self.banner = (f"epoch {snapshot.epoch + 1} begins", t + BANNER_SECONDS)
        if knocked is None:
            if self.scrubbed is not None and len(self.history) == self.history.maxlen:
                self.scrubbed = max(0, self.scrubbed - 1)  # the oldest drops out: stay on the one shown
            self.history.append(snapshot)
        self.current, self.knocked, self.playing = snapshot, knocked, playing
        self.cycle = None if before is None else \
            Cycle(StepCycle(self.spec, before, snapshot, self.exaggeration, self.plan), t)  # the last asked wins

    def receive(self, published: Published, t: float, playing: bool) -> None:
        """What the training process published, at time t (`playing`: training goes on)."""
        self.show(published.snapshot, t, published.before, published.knocked, playing)
        last = published.step
        self.chart_losses(np.arange(last - len(published.losses) + 1, last + 1), published.losses)

    def chart_losses(self, steps: np.ndarray, losses: np.ndarray) -> None:
        """(n,) training losses and their steps, for the chart."""
        bpe = self.current.batches_per_epoch if self.current is not None else 1
        self.losses = Losses(np.asarray(steps), np.asarray(losses), bpe)

    def reset(self) -> None:
        """A new run: its history starts again, shown live."""
        self.history.clear()
        self.scrubbed = self.cycle = None

    # --- what the viewer asks ----------------------------------------------------------------------
    def scrub(self, index: int) -> None:
        if self.history:
            self.scrubbed = min(max(index, 0), len(self.history) - 1)

    def go_live(self) -> None:
        self.scrubbed = None

    def set_hidden(self, element: str, hidden: bool) -> None:
        (self.hidden.add if hidden else self.hidden.discard)(element)

    def direct(self, caption: str | None = None, highlight: str | None = None, exaggeration: float = 1.0,
               cycle_seconds: float | None = None) -> None:
        """A storyboard shot's direction, in force until the next."""
        self.caption, self.highlight, self.exaggeration = caption, highlight, exaggeration
        self.cycle_seconds = cycle_seconds or self.cycle_seconds

    @property
    def moving(self) -> bool:
        """Whether frames change with t alone, no new snapshot: a step's cycle plays, or a banner is up."""
        return self.cycle is not None or self.banner is not None

    @property
    def mode(self) -> str:
        if self.scrubbed is not None:
            return "history"
        if self.cycle is not None:
            return "cycle"
        if self.knocked is not None:
            return "knocked"
        return "playing" if self.playing else "paused"

    @property
    def shown(self) -> Snapshot | None:
        """The snapshot on screen: the scrubbed one, or the newest."""
        return self.history[self.scrubbed] if self.scrubbed is not None else self.current

    def recent(self, n: int) -> list[Snapshot]:
        """Up to n snapshots of the history, ending with the one on screen."""
        end = len(self.history) if self.scrubbed is None else self.scrubbed + 1
        return list(self.history)[max(0, end - n):end]

    def marked(self) -> np.ndarray | None:
        """The centre (3,) of the selected plate; None when none (or a word) is selected."""
        kind, i = self.selection or ("word", 0)
        lat = self.spec.lattice
        centres = {"reflector": lat.positions, "bias": lat.bias_positions}.get(kind)
        return None if centres is None else centres[i]

    # --- the picture -------------------------------------------------------------------------------
    def frame_at(self, t: float) -> Frame | None:
        """The frame to draw at time t (None before the first snapshot). A cycle that has run its course ends."""
        if self.current is None:
            return None
        mode = self.mode
        if mode == "history":
            frame = build_frame(self.spec, self.shown)
        elif mode == "cycle":
            u = (t - self.cycle.start) / self.cycle_seconds
            frame = self.cycle.step.frame(min(max(u, 0.0), 1.0), self.exaggeration)  # a shot may change it
            if u >= 1:
                self.cycle = None
        elif mode == "knocked":
            frame = build_frame(self.spec, self.current, self.knocked)
        elif mode == "playing":
            frame = training_frame(self.spec, self.current)
        else:
            frame = build_frame(self.spec, self.current)
        if "waves" in self.hidden and frame.motion is not None:
            frame = replace(frame, motion=None)
        banner = None
        if mode == "history":  # unmistakable in a hall: this is the past, and training goes on
            banner = f"HISTORY: step {frame.step}   (End: live)"
        elif self.banner is not None and t < self.banner[1]:
            banner = self.banner[0]
        else:
            self.banner = None  # its time is up: this frame is drawn without it
        return replace(frame, caption=self.caption, highlight=self.highlight, banner=banner, losses=self.losses,
                       chart_step=frame.step if mode == "history" else None)
