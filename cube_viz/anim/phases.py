"""The phases of one training step's cycle, each an object that owns its clip of CYCLE (manim style).

A phase maps the cycle's progress u in [0, 1] to its own with `interpolate(u)`; what it returns is the
part of the picture it moves. CYCLE names every phase, and every entry is read by the phase of that name:
  forward   ForwardLight  the rays advance slab by slab from the front face to the wall (the weights before)
  wall      Wall          the light reaches the wall: it shows those probabilities, the HUD the loss
  backward  WaveBack      a wave front leaves the wall and travels back to the input face; a plate glows
                          as it passes
  update    Turn          each plate turns, by the gradient part of its update, from the wave's arrival on
  decay     Field         the stabilizing field: each plate is pulled towards neutral by the weight-decay part
  settle    Settle        the wall, rays and gel show the model after the step
Phases are pure: arrays in, arrays out; they hold no step's numbers (StepCycle does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.anim.easing import EASINGS
from cube_viz.anim.timeline import Clip
from cube_viz.scene.lattice import Lattice

CYCLE_SECONDS = 4.0  # one step's cycle, everywhere it plays (the window's N, lecture movies, storyboards)
PULSE = 0.08  # half width (in u) of a plate's glow as the wave passes it
STAGGER = 0.02  # within a slab the wave reaches row 0 first and the last row this much later
TURN = 0.12  # how long (in u) a plate takes to turn once the wave has reached it
FIELD_RAMP = 0.2  # of the weight-decay pull: the field fades in over its first, and out over its last, this much
_BACKWARD = Clip(0.35, 0.4)
CYCLE = {
    "forward": Clip(0.0, 0.25, lag=1.0),
    "wall": Clip(0.22, 0.1),
    "backward": _BACKWARD,
    # each plate turns for TURN from the wave's arrival: the first at the clip's start, the last
    # (_BACKWARD.duration + STAGGER) later, so that the turns are a clip staggered like the wave
    "update": Clip(_BACKWARD.start, _BACKWARD.duration + STAGGER + TURN, lag=(_BACKWARD.duration + STAGGER) / TURN),
    "decay": Clip(0.72, 0.2, ease="linear"),  # while the last plates finish their turns, long enough to be seen
    "settle": Clip(0.93, 0.05),
}


@dataclass(frozen=True)
class ForwardLight:
    """The light from the front face to the wall: each ray runs its own part of the clip, by its stage."""

    clip: Clip = CYCLE["forward"]

    def interpolate(self, u: float, stage: np.ndarray) -> np.ndarray:
        """(S,) float32 in [0, 1]: how far each ray has travelled; stage (S,) in [0, 1], front to wall."""
        return self.clip.progress(u, stage).astype(np.float32)


@dataclass(frozen=True)
class Wall:
    """The light arrives at the wall and it shows the prediction of the weights before the step."""

    clip: Clip = CYCLE["wall"]

    def interpolate(self, u: float) -> float:
        """0 until the forward light reaches the wall, 1 once the wall shows the prediction."""
        return float(self.clip.progress(u))


@dataclass(frozen=True)
class WaveBack:
    """Backpropagation: a front from the wall to the front face, reaching the back slabs first."""

    wall_y: float
    front_y: float
    clip: Clip = CYCLE["backward"]

    @classmethod
    def of(cls, lat: Lattice) -> WaveBack:
        return cls(lat.wall_y, lat.front_y)

    def arrival(self, positions: np.ndarray, row: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(N,) float32 the u at which the front reaches each plate (positions (N, 3), row and its slab's rows
        (N,)): by depth, and within a slab a short stagger by row, so the front reads as a wave."""
        clip = self.clip
        depth = (self.wall_y - positions[:, 1]) / (self.wall_y - self.front_y)  # 0 at the wall, 1 at the front
        stagger = STAGGER * row / np.maximum(rows - 1, 1)
        return (clip.start + clip.duration * depth + stagger).astype(np.float32)

    def front(self, u: float) -> float | None:
        """Where the front is along the light axis (None: no wave at u); it moves at constant speed."""
        c = self.clip
        if not c.start <= u <= c.end:
            return None
        return float(self.wall_y - (u - c.start) / c.duration * (self.wall_y - self.front_y))

    def interpolate(self, u: float, arrival: np.ndarray) -> np.ndarray:
        """(N,) in [0, 1]: 1 exactly when the front reaches a plate, falling to 0 at PULSE before and after."""
        return np.clip(1 - np.abs(u - arrival) / PULSE, 0, 1) ** 2


@dataclass(frozen=True)
class Turn:
    """The optimizer step: each plate turns from its old to its new orientation once the wave reaches it."""

    clip: Clip = CYCLE["update"]

    @property
    def own(self) -> float:
        """How long one plate's turn lasts (the clip's stagger is the wave's)."""
        return self.clip.duration / (1 + self.clip.lag)

    def interpolate(self, u: float, arrival: np.ndarray) -> np.ndarray:
        """(N,) in [0, 1]: the fraction of its turn each plate has made, given when the wave reached it."""
        return EASINGS[self.clip.ease]((u - arrival) / self.own)


@dataclass(frozen=True)
class Field:
    """Weight decay: the pull towards neutral is applied over the clip; the field shows while it acts."""

    clip: Clip = CYCLE["decay"]

    def interpolate(self, u: float) -> np.ndarray:
        """() float64 in [0, 1]: the fraction of the weight-decay part applied so far."""
        return self.clip.progress(u)

    @staticmethod
    def strength(applied: np.ndarray) -> np.ndarray:
        """How strongly the field shows once `applied` of the pull is done: up over its first FIELD_RAMP, full
        while the pull acts, down over its last FIELD_RAMP."""
        return np.clip(np.minimum(applied, 1 - applied) / FIELD_RAMP, 0.0, 1.0)


@dataclass(frozen=True)
class Settle:
    """The step is done: from the clip's start the wall, rays and gel show the model after the step (the
    clip's length is the time the eye gets to read it before the cycle ends)."""

    clip: Clip = CYCLE["settle"]

    def interpolate(self, u: float) -> bool:
        return u >= self.clip.start
