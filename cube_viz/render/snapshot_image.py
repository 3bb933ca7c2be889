"""Still images of the cube: one offscreen plotter, one frame, one PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cube_viz.render.cube import CubeView
from cube_viz.render.view import grab, offscreen_plotter, set_camera
from cube_viz.scene.frame import CubeSpec, Frame


def render_image(spec: CubeSpec, frame: Frame, size: tuple[int, int], camera: str = "iso",
                 transparent: bool = False) -> np.ndarray:
    """(H, W, 3 or 4) uint8 picture of the frame, rendered at exactly `size` (text and lines scaled with it)."""
    plotter = offscreen_plotter(size)
    try:
        view = CubeView(plotter, spec, text_scale=size[1] / 1080)
        view.update(frame)
        set_camera(plotter, spec.lattice, camera)
        if transparent:  # the gradient would be opaque: clear to alpha 0, keep only the cube's own pixels
            plotter.renderer.GradientBackgroundOff()
            plotter.renderer.SetBackgroundAlpha(0.0)
        return grab(plotter, transparent)
    finally:
        plotter.close()


def render_png(spec: CubeSpec, frame: Frame, path: Path, size: tuple[int, int], camera: str = "iso",
               transparent: bool = False) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, render_image(spec, frame, size, camera, transparent))
