"""Plotters and cameras: the theme every cube-viz window and offscreen render shares."""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.scene.camera import CameraKey, View, preset, resolve
from cube_viz.scene.lattice import Lattice

GLINT = np.radians(30.0)  # the tilt of a plate that mirrors the key light into the camera (the fill light: -GLINT)
FILL = 1.0  # the fill light's intensity, the key light's: a plate tilted down (a negative weight) is lit as one
# tilted up by as much, so that brightness never tells a weight's sign
BACKGROUND = ("#05070d", "#17213a")  # bottom, top: a dark gradient, so light reads as light


def offscreen_plotter(size: tuple[int, int], look: str = "record") -> pv.Plotter:
    """An offscreen plotter created at its final size (resizing later is slow)."""
    pv.global_theme.multi_samples = 0  # MSAA costs ~4x on software GL
    plotter = pv.Plotter(off_screen=True, window_size=list(size), lighting="none")
    setup(plotter, look)
    return plotter


def setup(plotter: pv.Plotter, look: str = "record") -> None:
    """`record`: gradient background and FXAA-smoothed edges, for stills and movies. `preview`: a flat
    background, no anti-aliasing and plates lit once a plate (render.shading), for live frames (on software
    GL at 1280x720 FXAA alone costs ~60 ms a frame and the gradient ~10 ms; see scripts/bench_scene.py)."""
    if look == "record":
        plotter.set_background(BACKGROUND[0], top=BACKGROUND[1])
        plotter.renderer.SetUseFXAA(True)
    else:
        plotter.set_background(BACKGROUND[0])
        # Plain alpha blending for the faint glass and the gel instead of VTK's order-independent
        # translucency, whose extra full-window passes cost ~20 ms a frame at 1296x960.
        plotter.renderer.SetUseOIT(False)
    plotter.add_light(pv.Light(light_type="scene light", positional=False))  # key and fill: set_view aims them
    plotter.add_light(pv.Light(light_type="scene light", positional=False, intensity=FILL))


def record_look(plotter: pv.Plotter) -> bool:
    """Whether setup() gave the plotter the record look (FXAA is its mark): elements add their costlier glows
    only there (glass and gel halos, the gel's sheets, the glass's sheen), so the preview is not slower."""
    return bool(plotter.renderer.GetUseFXAA())


def draw_over_scene(actor) -> None:
    """Write the actor's fragments at the nearest depth: drawn after the opaque geometry, it shows over it
    (the wall's words over the slabs in front of them, the selection over the plates around it)."""
    actor.GetShaderProperty().AddFragmentShaderReplacement("//VTK::Depth::Impl", True, "gl_FragDepth = 0.0;\n",
                                                           False)


def set_camera(plotter: pv.Plotter, lattice: Lattice, camera: str | CameraKey) -> None:
    """A named view (iso, the default: front-left-top, the wall's words face the viewer; front; side; top;
    slab:NAME, a close-up) or a camera key, framed for the plotter's aspect.

    side looks along the slabs from the right, a little from the front and above: straight along x
    every plate would be edge-on (they tilt about x) and vanish.
    """
    key = preset(camera) if isinstance(camera, str) else camera
    set_view(plotter, resolve(lattice, key, aspect(plotter)))


def aspect(plotter: pv.Plotter) -> float:
    """The view's width / height, which a key's framing depends on."""
    width, height = plotter.window_size
    return width / max(1, height)


def set_view(plotter: pv.Plotter, view: View) -> None:
    """Point the camera as `view` says (parallel projection, focal point, visible half-height) and draw
    only what lies within its cut along the light: two clipping planes on every 3D actor's mapper, where
    it cuts (a close-up, a flight to one: planes cost ~40% of a frame on software GL)."""
    cam = plotter.camera
    cam.parallel_projection = True
    cam.focal_point = view.focus
    cam.position = view.focus + view.direction * 2 * view.depth
    cam.up = view.up
    cam.parallel_scale = view.half_height
    cam.clipping_range = (view.depth, 3 * view.depth)
    for light, tilt in zip(plotter.renderer.lights, (GLINT, -GLINT), strict=True):
        light.position, light.focal_point = tuple(glint_light(view.direction, tilt)), (0.0, 0.0, 0.0)
    cuts = all(map(np.isfinite, view.cut))
    planes = [plane((0, view.cut[0], 0), (0, 1, 0)), plane((0, view.cut[1], 0), (0, -1, 0))] if cuts else []
    actors = plotter.renderer.GetActors()
    actors.InitTraversal()
    for _ in range(actors.GetNumberOfItems()):
        mapper = actors.GetNextActor().GetMapper()
        mapper.RemoveAllClippingPlanes()
        for p in planes:
            mapper.AddClippingPlane(p)


def view_of(plotter: pv.Plotter) -> View:
    """The view the camera shows now (as the user turned it), as set_view would set it: the start of a
    flight from wherever the user left the camera."""
    cam = plotter.camera
    d = np.subtract(cam.position, cam.focal_point)
    distance = float(np.linalg.norm(d))
    d /= distance
    return View(float(np.degrees(np.arctan2(d[0], -d[1]))), float(np.degrees(np.arcsin(np.clip(d[2], -1, 1)))),
                np.array(cam.focal_point), float(cam.parallel_scale), distance / 2, drawn_depths(plotter))


def drawn_depths(plotter: pv.Plotter) -> tuple[float, float]:
    """The cut set_view made: only what lies between these depths along the light (y) is drawn."""
    planes = plotter.renderer.GetActors().GetLastActor().GetMapper().GetClippingPlanes()
    if planes is None or planes.GetNumberOfItems() < 2:
        return -np.inf, np.inf
    return float(planes.GetItem(0).GetOrigin()[1]), float(planes.GetItem(1).GetOrigin()[1])


def copy_view(source: pv.Plotter, target: pv.Plotter) -> None:
    """Show in `target` what `source` shows: its camera (parallel scale is a world height: the same framing
    at any size), its lights where they stand, and its cut."""
    set_view(target, view_of(source))
    target.camera.DeepCopy(source.camera)  # the user's roll too, which a View does not hold
    for light, theirs in zip(target.renderer.lights, source.renderer.lights, strict=True):
        light.position, light.focal_point = theirs.position, theirs.focal_point


def glint_light(toward_camera: np.ndarray, tilt: float = GLINT) -> np.ndarray:
    """(3,) direction toward a light that mirrors into the camera off a plate tilted `tilt`: such a plate
    shines white, and a plate's brightness tells its tilt (L = 2 (n.v) n - v; see
    ../shared/notes/looks-measured.md). A turning plate flashes as it passes GLINT and -GLINT."""
    n = np.array([0.0, -np.cos(tilt), np.sin(tilt)])
    v = toward_camera / np.linalg.norm(toward_camera)
    return 2 * n.dot(v) * n - v


def plane(origin, normal) -> vtk.vtkPlane:
    """A clipping plane: what lies on the side `normal` points to is kept."""
    p = vtk.vtkPlane()
    p.SetOrigin(*origin)
    p.SetNormal(*normal)
    return p


def grab(plotter: pv.Plotter, transparent: bool = False) -> np.ndarray:
    """(H, W, 3 or 4) uint8 pixels of the scene as it is now.

    pyvista's screenshot() renders only the first time; later calls read the last rendered buffer, so
    render explicitly (before the first show() render() is a no-op and screenshot() does it).
    """
    plotter.render()
    return plotter.screenshot(transparent_background=transparent, return_img=True)
