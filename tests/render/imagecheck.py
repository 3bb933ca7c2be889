"""Image checks that fail on a blank or broken render."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BASELINES = Path(__file__).parent / "baselines"


def background(height: int, width: int) -> np.ndarray:
    """(H, W, 3) float the empty scene: render.view's gradient, its top colour in the top row, bottom at the bottom."""
    from cube_viz.render.view import BACKGROUND

    bottom, top = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], np.float32) for c in BACKGROUND)
    t = np.linspace(1.0, 0.0, height, dtype=np.float32)[:, None, None]  # 1 at the top row
    return np.broadcast_to(bottom + (top - bottom) * t, (height, width, 3))


def assert_not_blank(img: np.ndarray, drawn: float = 0.02) -> None:
    """Something is drawn: more than a flat colour or a few, and at least `drawn` of the pixels away from the
    background gradient (the gradient alone has a standard deviation of ~13 and passes the first check)."""
    rgb = img[..., :3].astype(np.int16)
    assert rgb.std() > 8, "image is (nearly) one flat colour"
    colours = np.unique(rgb.reshape(-1, 3) // 16, axis=0)
    assert len(colours) > 40, f"only {len(colours)} colour groups: the scene did not draw"
    away = float((np.abs(rgb - background(*rgb.shape[:2])).max(axis=2) > 40).mean())
    assert away > drawn, f"only {away:.1%} of the pixels differ from the background: the scene did not draw"


def difference(img: np.ndarray, baseline: np.ndarray) -> float:
    """Mean absolute difference per channel (0..255) after a 4x4 box blur, so a pixel of jitter does not count."""
    def blur(a):
        a = a[..., :3].astype(np.float32)
        h, w = (a.shape[0] // 4) * 4, (a.shape[1] // 4) * 4
        return a[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))

    assert img.shape == baseline.shape, f"size {img.shape} != baseline {baseline.shape}"
    return float(np.abs(blur(img) - blur(baseline)).mean())
