"""Clips on a timeline: "what is the state at time t" as plain arithmetic.

A clip runs from `start` for `duration` seconds. With a `lag` L (like manim's lag_ratio) its elements
are staggered: each runs for own = duration / (1 + L), the element at `order` r in [0, 1] starting
r * L * own after the clip, so order 0 starts with the clip and order 1 ends exactly with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cube_viz.anim.easing import EASINGS

Ease = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Clip:
    start: float  # seconds
    duration: float  # seconds
    ease: str = "smoothstep"
    lag: float = 0.0  # 0: all elements together; 1: one after another

    @property
    def end(self) -> float:
        return self.start + self.duration

    def progress(self, t: float, order: np.ndarray | float = 0.0) -> np.ndarray:
        """Eased progress in [0, 1] at time t; `order` in [0, 1] places an element within the stagger."""
        order = np.asarray(order, np.float64)
        if self.duration <= 0:
            return np.where(t >= self.start, 1.0, 0.0) + 0 * order
        own = self.duration / (1 + self.lag)  # each element's own run time
        begin = self.start + order * self.lag * own
        return EASINGS[self.ease]((t - begin) / own)


@dataclass(frozen=True)
class Timeline:
    """Named clips; `at(t)` gives every clip's (uneased-order 0) progress, `clip(name)` the clip itself."""

    clips: dict[str, Clip]

    @property
    def duration(self) -> float:
        return max((c.end for c in self.clips.values()), default=0.0)

    def at(self, t: float) -> dict[str, float]:
        return {name: float(c.progress(t)) for name, c in self.clips.items()}
