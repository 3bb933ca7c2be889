"""Still images of the cube: one offscreen plotter, one frame, one PNG."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyvista as pv

from cube_viz.render.cube import CubeView
from cube_viz.render.view import copy_view, grab, offscreen_plotter, set_camera, set_view
from cube_viz.scene.camera import View
from cube_viz.scene.frame import CubeSpec, Frame


def render_image(spec: CubeSpec, frame: Frame, size: tuple[int, int], camera: str | View | pv.Plotter = "iso",
                 transparent: bool = False, hidden: Iterable[str] = (), marked: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3 or 4) uint8 picture of the frame, rendered at exactly `size` (text and lines scaled with it).

    camera: a preset name (framed for `size`), a view, or a plotter whose view to copy (a window's, as the
    user turned it); hidden: elements not drawn (scene.elements' names); marked: the centre (3,) of a plate
    shown selected.
    """
    plotter = offscreen_plotter(size)
    try:
        view = CubeView(plotter, spec, text_scale=size[1] / 1080, hidden=hidden)
        view.update(frame)
        view.mark(marked)
        if isinstance(camera, str):
            set_camera(plotter, spec.lattice, camera)
        elif isinstance(camera, View):
            set_view(plotter, camera)
        else:
            copy_view(camera, plotter)
        if transparent:  # the gradient would be opaque: clear to alpha 0, keep only the cube's own pixels
            plotter.renderer.GradientBackgroundOff()
            plotter.renderer.SetBackgroundAlpha(0.0)
        return grab(plotter, transparent)
    finally:
        plotter.close()


def render_png(spec: CubeSpec, frame: Frame, path: Path, size: tuple[int, int], camera: str = "iso",
               transparent: bool = False, hidden: Iterable[str] = ()) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, render_image(spec, frame, size, camera, transparent, hidden))
