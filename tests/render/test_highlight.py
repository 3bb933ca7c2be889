"""A storyboard's highlight of one reflector frames that plate alone, from any side."""

from cube_viz.config import TrainConfig
from cube_viz.render.elements.highlight import highlight_bounds
from cube_viz.render.elements.plates import PLATE, SWELL
from tests.conftest import SMALL, trained_scene


def test_a_reflector_highlight_frames_its_plate_and_no_neighbour():
    _, spec, _ = trained_scene(TrainConfig(**SMALL), 1)
    lat = spec.lattice
    for slab in lat.slabs:
        row, col = slab.rows // 2, slab.cols // 2
        x0, x1, y0, y1, z0, z1 = highlight_bounds(spec, f"reflector:{slab.name}:{row}:{col}")
        centres = lat.positions[slab.weights]  # (rows * cols, 3)
        inside = ((centres[:, 0] > x0) & (centres[:, 0] < x1) & (centres[:, 2] > z0) & (centres[:, 2] < z1))
        index = lat.param_index[slab.weights][inside]
        assert index.tolist() == [slab.weight_offset + row * slab.cols + col], slab.name  # W[row, col] alone
        centre, reach = centres[inside][0], PLATE * SWELL * slab.pitch / 2  # the plate, swollen mid-turn
        assert x0 < centre[0] - reach and centre[0] + reach < x1 and z0 < centre[2] - reach < centre[2] + reach < z1
        assert y1 - y0 < 0.2 * slab.pitch, f"{slab.name}: a deep box shows as two squares from the side"
