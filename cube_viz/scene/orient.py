"""How a weight turns its reflector, and how it is coloured.

Rule: a reflector faces the incoming light (normal -y) when its weight is 0. A weight w tilts the
normal about the x axis by theta(w) = MAX_TILT * (2 / pi) * arctan(w / s), with s a per-parameter scale
fixed at the start of the run (3 x the standard deviation of its initial values). theta is bounded
(|theta| < MAX_TILT), strictly increasing, and odd: positive weights tilt the face up (+z), negative
down. The colour tone is w / s on a diverging map (blue negative, white 0, red positive), clipped at +-TONE_RANGE.
"""

from __future__ import annotations

import numpy as np

from cube_viz.sim.snapshot import Tensors

MAX_TILT = np.deg2rad(75.0)  # radians
SCALE_STDS = 3.0
TONE_RANGE = 2.0


def parameter_scales(initial: Tensors) -> np.ndarray:
    """(P,) float32: for each entry of params.flat, its parameter's scale s (fixed for the whole run)."""
    parts = []
    for name in initial:
        values = initial[name]
        s = SCALE_STDS * float(values.std()) or 1.0  # a constant-initialised parameter falls back to 1
        parts.append(np.full(values.size, s, np.float32))
    return np.concatenate(parts)


def tilt(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(N,) radians from weights (N,) and their scales (N,)."""
    return (MAX_TILT * (2 / np.pi)) * np.arctan(w / s)


def normals(theta: np.ndarray) -> np.ndarray:
    """(N, 3) float32 unit normals: (0, -cos theta, sin theta)."""
    n = np.zeros((theta.size, 3), np.float32)
    n[:, 1] = -np.cos(theta)
    n[:, 2] = np.sin(theta)
    return n


def plate_corners(centres: np.ndarray, theta: np.ndarray, side: float | np.ndarray,
                  out: np.ndarray | None = None) -> np.ndarray:
    """(4N, 3) float32 corners of square plates of `side` (one for all, or (N,)) around centres (N, 3),
    facing normals(theta); written into `out` (4N, 3) when given (a mesh's points: no copy after).

    The plate spans x (the tilt axis) and (0, sin theta, cos theta); corners go counter-clockwise seen
    from the normal's side, so a renderer's facet normal is the reflector's normal.
    """
    n = len(centres)
    out = np.empty((4 * n, 3), np.float32) if out is None else out
    corners = out.reshape(n, 4, 3)
    h = np.asarray(side, np.float32).reshape(-1, 1) / 2  # (N or 1, 1) half sides
    up = np.array([-1, -1, 1, 1], np.float32) * h  # (N or 1, 4) each corner's offset along (0, sin, cos theta)
    theta = np.asarray(theta, np.float32)[:, None]  # (N, 1)
    corners[:, :, 0] = centres[:, 0:1] + np.array([-1, 1, 1, -1], np.float32) * h  # along x, the tilt axis
    corners[:, :, 1] = centres[:, 1:2] + up * np.sin(theta)
    corners[:, :, 2] = centres[:, 2:3] + up * np.cos(theta)
    return out


def tone(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(N,) float32 colour coordinate w / s, clipped to +-TONE_RANGE."""
    return np.clip(w / s, -TONE_RANGE, TONE_RANGE).astype(np.float32)
