"""Image checks that fail on a blank or broken render."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BASELINES = Path(__file__).parent / "baselines"


def assert_not_blank(img: np.ndarray) -> None:
    rgb = img[..., :3].astype(np.int16)
    assert rgb.std() > 8, "image is (nearly) one flat colour"
    colours = np.unique(rgb.reshape(-1, 3) // 16, axis=0)
    assert len(colours) > 40, f"only {len(colours)} colour groups: the scene did not draw"


def difference(img: np.ndarray, baseline: np.ndarray) -> float:
    """Mean absolute difference per channel (0..255) after a 4x4 box blur, so a pixel of jitter does not count."""
    def blur(a):
        a = a[..., :3].astype(np.float32)
        h, w = (a.shape[0] // 4) * 4, (a.shape[1] // 4) * 4
        return a[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))

    assert img.shape == baseline.shape, f"size {img.shape} != baseline {baseline.shape}"
    return float(np.abs(blur(img) - blur(baseline)).mean())
