"""Plotters and cameras: the theme every cube-viz window and offscreen render shares."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.scene.lattice import Lattice
from cube_viz.scene.wall import WALL_SPAN

CAMERAS = ("iso", "front", "side", "top")
BACKGROUND = ("#05070d", "#17213a")  # bottom, top: a dark gradient, so light reads as light
LOOKS = ("record", "preview")


def offscreen_plotter(size: tuple[int, int], look: str = "record") -> pv.Plotter:
    """An offscreen plotter created at its final size (resizing later is slow)."""
    pv.global_theme.multi_samples = 0  # MSAA costs ~4x on software GL
    plotter = pv.Plotter(off_screen=True, window_size=list(size), lighting="none")
    setup(plotter, look)
    return plotter


def setup(plotter: pv.Plotter, look: str = "record") -> None:
    """`record`: gradient background and FXAA-smoothed edges, for stills and movies. `preview`: a flat
    background and no anti-aliasing, for live frames (on software GL at 1280x720 FXAA alone costs ~60 ms
    a frame and the gradient ~10 ms; see scripts/bench_scene.py)."""
    if look == "record":
        plotter.set_background(BACKGROUND[0], top=BACKGROUND[1])
        plotter.renderer.SetUseFXAA(True)
    else:
        plotter.set_background(BACKGROUND[0])
    plotter.add_light(pv.Light(light_type="headlight", intensity=1.0))


def set_camera(plotter: pv.Plotter, lattice: Lattice, preset: str) -> None:
    """Presets look at the whole cube; iso looks from the front-left-top so the wall's words face the viewer.

    side looks along the slabs from the right, a little from the front and above: straight along x
    every plate would be edge-on (they tilt about x) and vanish.
    """
    h = lattice.half_width
    focus = np.array([0.0, 0.0, 0.0])
    direction = {"iso": (-0.42, -1.0, 0.34), "front": (0.0, -1.0, 0.0), "side": (1.0, -0.3, 0.25),
                 "top": (0.0, -0.0001, 1.0)}[preset]
    d = np.asarray(direction) / np.linalg.norm(direction)
    plotter.camera.focal_point = focus
    plotter.camera.position = focus + d * 6 * h
    plotter.camera.up = (0.0, 1.0, 0.0) if preset == "top" else (0.0, 0.0, 1.0)
    # parallel projection: the far wall's words are as large as the near slabs, and rays keep their proportions
    plotter.camera.parallel_projection = True
    w = WALL_SPAN * h
    plotter.reset_camera(bounds=(-w, w, lattice.front_y, lattice.wall_y, -w, w))
    if preset == "iso":  # the wall rises above and left of the cube in this view: centre on both
        plotter.camera.focal_point = (-0.08 * h, 0.0, 0.16 * h)
        plotter.camera.position = np.asarray(plotter.camera.focal_point) + d * 6 * h
    plotter.camera.zoom(1.27 if preset == "iso" else 1.2)
