"""Plotters and cameras: the theme every cube-viz window and offscreen render shares."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.anim.storyboard import PRESETS, CameraKey
from cube_viz.scene.lattice import Lattice

BACKGROUND = ("#05070d", "#17213a")  # bottom, top: a dark gradient, so light reads as light
FRAMING = 1.03  # visible half-height / bounding radius at zoom 1


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
        # Plain alpha blending for the faint glass and the gel instead of VTK's order-independent
        # translucency, whose extra full-window passes cost ~20 ms a frame at 1296x960.
        plotter.renderer.SetUseOIT(False)
    plotter.add_light(pv.Light(light_type="headlight", intensity=1.0))


def draw_over_scene(actor) -> None:
    """Write the actor's fragments at the nearest depth: drawn after the opaque geometry, it shows over it
    (the wall's words over the slabs in front of them, the selection over the plates around it)."""
    actor.GetShaderProperty().AddFragmentShaderReplacement("//VTK::Depth::Impl", True, "gl_FragDepth = 0.0;\n",
                                                           False)


def set_camera(plotter: pv.Plotter, lattice: Lattice, preset: str) -> None:
    """A named view: iso (default: front-left-top, the wall's words face the viewer), front, side, top.

    side looks along the slabs from the right, a little from the front and above: straight along x
    every plate would be edge-on (they tilt about x) and vanish.
    """
    set_view(plotter, lattice, CameraKey(*PRESETS[preset]))


def set_view(plotter: pv.Plotter, lattice: Lattice, key: CameraKey) -> None:
    """Camera at (azimuth, elevation) around the cube, parallel projection (the far wall's words stay as
    large as the near slabs), framed on the cube and its wall and scaled by `zoom`."""
    h = lattice.half_width
    az, el = np.radians(key.azimuth), np.radians(key.elevation)
    d = np.array([np.sin(az) * np.cos(el), -np.cos(az) * np.cos(el), np.sin(el)])
    cam = plotter.camera
    cam.parallel_projection = True
    focus = np.zeros(3)  # the cube's centre: the wall is its back face
    cam.focal_point = focus
    cam.position = focus + d * 6 * h
    cam.up = (0.0, 1.0, 0.0) if abs(key.elevation) > 80 else (0.0, 0.0, 1.0)
    # Half the visible height, from the cube's bounding radius (not VTK's reset_camera, whose fit depends
    # on whether the window has rendered yet): the same framing for a still and for every movie frame.
    radius = float(np.linalg.norm([h, (lattice.wall_y - lattice.front_y) / 2, h]))
    cam.parallel_scale = FRAMING * radius / key.zoom
    plotter.renderer.ResetCameraClippingRange()


def grab(plotter: pv.Plotter, transparent: bool = False) -> np.ndarray:
    """(H, W, 3 or 4) uint8 pixels of the scene as it is now.

    pyvista's screenshot() renders only the first time; later calls read the last rendered buffer, so
    render explicitly (before the first show() render() is a no-op and screenshot() does it).
    """
    plotter.render()
    return plotter.screenshot(transparent_background=transparent, return_img=True)
