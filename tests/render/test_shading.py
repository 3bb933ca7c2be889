"""The preview look lights its plates itself (render.shading), one colour a plate: VTK lighting the same plates
under the same key light (the record look) is the oracle, pixel by pixel inside the plates."""

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.render.cube import CubeView
from cube_viz.render.view import grab, offscreen_plotter, set_camera
from cube_viz.scene.elements import ELEMENTS
from tests.conftest import trained_scene

SIZE = (960, 540)


@pytest.fixture(scope="module")
def scene():
    _, spec, frame = trained_scene(TrainConfig(seed=1, hidden=(32, 32)), 100)
    return spec, frame


def plates_alone(spec, frame, look: str, camera: str) -> np.ndarray:
    plotter = offscreen_plotter(SIZE, look)
    try:
        view = CubeView(plotter, spec, hidden=[e.name for e in ELEMENTS if e.name != "reflectors"])
        plotter.set_background("black")  # the same for both looks, and no FXAA softening the plates' edges
        plotter.renderer.SetUseFXAA(False)
        view.update(frame)
        set_camera(plotter, spec.lattice, camera)
        return grab(plotter).astype(np.int16)
    finally:
        plotter.close()


@pytest.mark.parametrize("camera,glints", [("slab:hidden.0", True), ("iso", True), ("top", False)])  # from the
# top, half the plates are seen from behind (and none mirrors the key light)
def test_the_preview_lights_its_plates_as_vtk_does(scene, camera, glints):
    vtk_lit, preview = (plates_alone(*scene, look, camera) for look in ("record", "preview"))
    drawn = (vtk_lit.max(axis=2) > 0) | (preview.max(axis=2) > 0)
    assert drawn.mean() > 0.01, f"plates cover only {drawn.mean():.1%} of the view"
    brightness = vtk_lit[drawn].max(axis=1)
    assert np.ptp(np.percentile(brightness, [5, 95])) > 60, "the plates are lit alike: no tilt shows"
    pale = vtk_lit[drawn].min(axis=1) > 150  # white light added to its colour (no plate has all three above 100)
    assert not glints or pale.mean() > 0.002, "no plate glints: the specular would go unchecked"
    error = np.abs(vtk_lit - preview)[drawn].max(axis=1)  # per pixel, the worst channel, in levels of 255
    assert np.percentile(error, 99.5) <= 1 and error.max() <= 3, (
        f"the preview differs from VTK's lighting: 99.5th percentile {np.percentile(error, 99.5)}, "
        f"largest {error.max()} levels")


@pytest.mark.parametrize("camera", ["slab:hidden.0", "iso", "front"])
def test_a_plate_tilted_down_is_lit_as_one_tilted_up(scene, camera):
    """A negative weight is drawn tilted down, away from the key light: the fill light from below, as strong,
    lights it as a positive one of the same size, so brightness does not tell the sign (under the key light
    alone it was a third as bright; with a fill at 0.45, 0.6)."""
    from cube_viz.render import shading
    from cube_viz.render.elements.plates import MATERIAL
    from cube_viz.scene import orient

    spec, _ = scene
    plotter = offscreen_plotter(SIZE, "preview")
    try:
        set_camera(plotter, spec.lattice, camera)
        cam, lights = plotter.camera, plotter.renderer.lights
        eye = np.array(cam.position)
        centre = np.zeros((2, 3), np.float32) + np.array(cam.focal_point, np.float32)
        grey = np.full((2, 3), 128, np.uint8)
        tilt = np.radians([40.0, -40.0]).astype(np.float32)
        up, down = shading.lit(grey, orient.normals(tilt), shading.toward_eye(centre, eye),
                               [(np.subtract(li.position, li.focal_point), li.intensity) for li in lights],
                               eye - np.array(cam.focal_point), MATERIAL)[:, 0].astype(float)
    finally:
        plotter.close()
    assert abs(up - down) <= 0.05 * up, f"tilted down {down:.0f}, up {up:.0f}: the sign shows as brightness"
