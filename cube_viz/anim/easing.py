"""Easing curves: maps of progress [0, 1] -> [0, 1] with f(0) = 0 and f(1) = 1 (numpy-friendly)."""

from __future__ import annotations

import numpy as np


def linear(u):
    return np.clip(u, 0.0, 1.0)


def smoothstep(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def ease_in_out_cubic(u):
    u = np.clip(u, 0.0, 1.0)
    return np.where(u < 0.5, 4 * u**3, 1 - (-2 * u + 2) ** 3 / 2)


def ease_out_cubic(u):
    u = np.clip(u, 0.0, 1.0)
    return 1 - (1 - u) ** 3


def there_and_back(u):
    """0 -> 1 -> 0: a pulse (for glows that rise and fade)."""
    u = np.clip(u, 0.0, 1.0)
    return np.sin(np.pi * u) ** 2


EASINGS = {"linear": linear, "smoothstep": smoothstep, "in_out_cubic": ease_in_out_cubic,
           "out_cubic": ease_out_cubic, "there_and_back": there_and_back}
