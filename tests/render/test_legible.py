"""The wall can be read in a hall: it is the cube's back face, and every word, the faintest too, stands out
from what is drawn around it."""

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene.frame import CubeSpec
from tests.conftest import trained_scene


@pytest.fixture(scope="module")
def scene():
    _, spec, frame = trained_scene(TrainConfig(seed=1), 200)
    return spec, frame


def test_the_wall_is_the_cubes_back_face(scene):
    from cube_viz.render.export import scene_blocks

    blocks = scene_blocks(*scene)
    xmin, xmax, ymin, ymax, zmin, zmax = blocks["cube"].bounds
    wall = np.asarray(blocks["wall"].points)
    assert np.allclose(wall[:, 1], ymax)  # on the back face
    assert wall[:, 0].min() > xmin and wall[:, 0].max() < xmax and wall[:, 2].min() > zmin and wall[:, 2].max() < zmax
    spread = (np.ptp(wall[:, 0]) / (xmax - xmin), np.ptp(wall[:, 2]) / (zmax - zmin))
    assert min(spread) > 0.75  # and it fills that face
    plates = np.asarray(blocks["reflectors"].points)
    assert plates[:, 1].max() < ymax and plates[:, 1].min() > ymin  # every slab in front of it, inside the glass


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of sRGB pixels (..., 3) uint8."""
    c = rgb.astype(np.float64) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("camera", ["front", "iso"])
def test_every_word_stands_out_from_its_background_at_1080p(scene, camera):
    """Each word's cell on screen: its glyphs (the brightest twentieth of the cell's pixels) against the rest
    (the darkest half), as a WCAG contrast ratio, for every word of the vocabulary; 3:1 is the floor for
    large text. Before the words had labels, a faint word was a third-opaque glyph over the plates."""
    import vtk

    from cube_viz.render.cube import CubeView
    from cube_viz.render.snapshot_image import render_image
    from cube_viz.render.view import offscreen_plotter, set_camera

    spec, frame = scene
    size = (1920, 1080)
    image = render_image(spec, frame, size, camera)[..., :3]
    plotter = offscreen_plotter(size)  # the same camera, to find each word's cell on screen
    try:
        view = CubeView(plotter, spec)
        set_camera(plotter, spec.lattice, camera)
        plotter.render()
        corners = np.asarray(view["wall"].words.points).reshape(-1, 4, 3)
        coordinate = vtk.vtkCoordinate()
        coordinate.SetCoordinateSystemToWorld()
        ratios = []
        for quad in corners:
            xy = []
            for point in quad:
                coordinate.SetValue(*point)
                xy.append(coordinate.GetComputedDoubleDisplayValue(plotter.renderer))
            xy = np.array(xy)
            (x0, y0), (x1, y1) = np.floor(xy.min(axis=0)).astype(int), np.ceil(xy.max(axis=0)).astype(int)
            cell = image[size[1] - y1:size[1] - y0, x0:x1].reshape(-1, 3)  # display y runs up, rows down
            lum = np.sort(luminance(cell))
            glyph, ground = lum[-max(1, len(lum) // 20):].mean(), lum[: len(lum) // 2].mean()
            ratios.append((glyph + 0.05) / (ground + 0.05))
    finally:
        plotter.close()
    ratios = np.array(ratios)
    faintest = int(np.argmin(frame.probs))
    assert ratios[faintest] >= 3, f"the least likely word, {spec.vocab[faintest]!r}: {ratios[faintest]:.2f}"
    worst = int(np.argmin(ratios))
    assert ratios.min() >= 3, f"{spec.vocab[worst]!r} at contrast {ratios[worst]:.2f} ({camera})"


@pytest.mark.parametrize("hidden", [(8,), (64, 64), (1024, 1024)])
def test_each_slab_name_stands_at_its_slab_in_the_lights_order(hidden):
    """The names stand on one line along the light under the cube's lower right edge, each at its slab's depth:
    seen from any side they come in the order the light passes the slabs (the large shape once printed
    "output" first), and outside the glass, so never over the wall's words."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter
    from cube_viz.scene.lattice import build_lattice, slab_title
    from cube_viz.sim.snapshot import Tensors
    from tests.scene.test_scene import mlp_layout

    layout = mlp_layout(hidden)
    initial = Tensors(np.ones(sum(int(np.prod(s)) for _, s in layout), np.float32), layout)
    spec = CubeSpec.build(initial, [f"w{i}" for i in range(256)])
    lat = build_lattice(layout)
    plotter = offscreen_plotter((200, 200))
    try:
        labels = CubeView(plotter, spec)["slab-labels"].names
        where = np.array([a.GetPositionCoordinate().GetReferenceCoordinate().GetValue() for a in labels])
    finally:
        plotter.close()
    assert [a.GetInput() for a in labels] == [slab_title(s.name) for s in lat.slabs]
    np.testing.assert_allclose(where[:, 1], [s.y for s in lat.slabs])  # each at its slab's depth
    assert np.all(where[:, 0] == where[0, 0]) and np.all(where[:, 2] == where[0, 2])  # on one line along y
    assert where[0, 2] < -lat.half_width and where[0, 0] == lat.half_width  # under the glass's lower right edge
