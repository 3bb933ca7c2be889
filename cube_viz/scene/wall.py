"""The output wall: every vocabulary word on a grid on the cube's back face, lit by its probability."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lattice import Lattice

WALL_SPAN = 0.97  # the wall's half size / the cube's: the back face, with a margin inside its edges
FLOOR = 0.5  # brightness of the least likely word: faint but readable from the back of a hall
KNEE_RATIO, KNEE_LIGHT = 100.0, 0.65  # a word this many times less likely than the top one is this bright: the
# two decades below the top word get 70% of the range, so that its rivals (10% against 2%) are told apart


@dataclass(frozen=True)
class WallLayout:
    positions: np.ndarray  # (V, 3) float32 centre of each word's cell, word id order
    cell: tuple[float, float]  # (width, height) of one cell
    columns: int


def wall_layout(lattice: Lattice, n_words: int) -> WallLayout:
    """Words in reading order (id 0 top-left) on a grid of about 4x more rows than columns, on the back face
    (never as many columns as the transformer has lanes)."""
    columns = max(1, round(math.sqrt(n_words / 4)))
    if columns == lattice.lanes:  # one column behind each of the transformer's lanes would read as its prediction
        columns += 1
    rows = math.ceil(n_words / columns)
    half = WALL_SPAN * lattice.half_width
    cw, ch = 2 * half / columns, 2 * half / rows
    r, c = np.divmod(np.arange(n_words), columns)
    pos = np.stack([-half + (c + 0.5) * cw, np.full(n_words, lattice.wall_y),
                    half - (r + 0.5) * ch], axis=1).astype(np.float32)
    return WallLayout(pos, (cw, ch), columns)


def brightness(probs: np.ndarray) -> np.ndarray:
    """(V,) float32 in [FLOOR, 1], strictly increasing in probability: two straight pieces in log probability,
    the most probable word at 1, a word KNEE_RATIO times less likely at KNEE_LIGHT, the least probable at FLOOR
    (one piece, FLOOR to 1, if every word is within KNEE_RATIO of the top; linear in probability, almost every
    word of a trained model's wall would be at the floor, alike)."""
    logp = np.log(np.maximum(probs.astype(np.float64), np.finfo(np.float64).tiny))  # (V,)
    top, low = float(logp.max()), float(logp.min())
    if top == low:
        return np.ones_like(logp, np.float32)
    knee = top - math.log(KNEE_RATIO)
    points, lights = ([low, top], [FLOOR, 1.0]) if low >= knee else ([low, knee, top], [FLOOR, KNEE_LIGHT, 1.0])
    return np.interp(logp, points, lights).astype(np.float32)


def rank(probs: np.ndarray, word: int) -> int:
    """The word's place among the model's guesses: 1 for the most probable (ties share the better place)."""
    return int((probs > probs[word]).sum()) + 1
