"""What the cube draws, read back from the render's own arrays (plate corners and colours, rays, gel dots, words)
and checked against torch's tensors with the README's encoding ("Reading the cube"), never against the mapping
code. The model is tiny (21 words, two hidden layers 12 and 10) so that no slab is folded into tiles."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer
from tests.render.drawn import (
    assert_diverging_colours,
    drawn_plates,
    drawn_tilt,
    fresh_scales,
    readme_tilt,
    slab_grids,
    tiny_config,
    tiny_corpus,
    weight_names,
)

SIZE = (400, 400)
ACT = {"tanh": torch.tanh, "relu": F.relu, "gelu": F.gelu, "sigmoid": torch.sigmoid}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("corpus"))


def drawn_view(trainer):
    """(spec, frame, view, plotter) of the trainer's current state, drawn once offscreen."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter

    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    frame = build_frame(spec, trainer.snapshot())
    plotter = offscreen_plotter(SIZE)
    view = CubeView(plotter, spec)
    view.update(frame)
    return spec, frame, view, plotter


@pytest.fixture(scope="module")
def drawn(corpus):
    config = tiny_config(corpus)
    t = Trainer.from_config(config)
    for _ in range(30):
        t.step()
    spec, frame, view, plotter = drawn_view(t)
    state = {k: v.detach().clone() for k, v in t.model.state_dict().items()}
    centres, normal, rgb = drawn_plates(view["reflectors"].mesh)
    yield SimpleNamespace(trainer=t, spec=spec, frame=frame, view=view, state=state, names=weight_names(state),
                          scales=fresh_scales(config, len(t.dataset.vocab)), centres=centres, normal=normal, rgb=rgb,
                          grids=slab_grids(centres))
    plotter.close()


def bias_plates(d):
    """Per slab with a bias: (name, plate indices (rows,) in row order) of the bias mesh, each found one pitch in
    front of its slab, at its row's height."""
    centres, _, _ = drawn_plates(d.view["biases"].mesh)
    out = []
    for name, grid in zip(d.names, d.grids, strict=True):
        if f"{name}.bias" not in d.state:
            continue
        slab_y, row_z = d.centres[grid[0, 0], 1], d.centres[grid[:, 0], 2]
        here = np.abs(centres[:, 1] - (slab_y - 1.0)) < 1e-3  # README: one step in front of the slab
        order = [int(np.flatnonzero(here & (np.abs(centres[:, 2] - z) < 1e-3))[0]) for z in row_z]
        out.append((name, np.array(order)))
    return out


def test_the_plates_stand_where_the_readme_puts_each_weights_row_and_column(drawn):
    """A slab per layer, front to back; in it, row j the j-th from the top, column i the i-th from the left
    (seen from the front): the plates of W's largest and smallest entries (told apart by their tilt: positive
    up) stand at those entries' (j, i)."""
    d = drawn
    assert len(d.grids) == len(d.names)
    for name, grid in zip(d.names, d.grids, strict=True):
        w = d.state[f"{name}.weight"]
        assert grid.shape == tuple(w.shape), f"{name}: drawn {grid.shape} (rows, cols), weight {tuple(w.shape)}"
        up = d.normal[grid, 2]  # (rows, cols) how far each plate's normal points up
        for drawn_at, weight_at in ((up.argmax(), w.argmax()), (up.argmin(), w.argmin())):
            assert np.unravel_index(drawn_at, grid.shape) == np.unravel_index(int(weight_at), grid.shape), name


def test_every_plate_tilts_by_the_readme_formula_on_its_weight(drawn):
    """The facet normal of each plate's 4 corners tilts about x by 75° · (2/π) · arctan(w / s), s = 3 × std of the
    parameter's initial values (a fresh torch model of the same seed): reflectors and biases."""
    d = drawn
    tilt = drawn_tilt(d.normal)
    for name, grid in zip(d.names, d.grids, strict=True):
        key = f"{name}.weight"
        np.testing.assert_allclose(tilt[grid], readme_tilt(d.state[key], d.scales[key]), atol=2e-4, err_msg=key)
    _, normal, _ = drawn_plates(d.view["biases"].mesh)
    biases = bias_plates(d)
    assert len(biases) == len(d.names) - 1  # every layer but the embedding
    for name, order in biases:
        key = f"{name}.bias"
        np.testing.assert_allclose(drawn_tilt(normal[order]), readme_tilt(d.state[key], d.scales[key]), atol=2e-4,
                                   err_msg=key)


def test_every_plate_is_coloured_by_the_sign_and_size_of_its_weight(drawn):
    d = drawn
    rgb, u = [], []
    for name, grid in zip(d.names, d.grids, strict=True):
        key = f"{name}.weight"
        rgb.append(d.rgb[grid].reshape(-1, 3))
        u.append((d.state[key].double() / d.scales[key]).numpy().ravel())
    assert_diverging_colours(np.concatenate(rgb), np.concatenate(u), "reflectors")
    _, _, bias_rgb = drawn_plates(d.view["biases"].mesh)
    rgb, u = [], []
    for name, order in bias_plates(d):
        key = f"{name}.bias"
        rgb.append(bias_rgb[order])
        u.append((d.state[key].double() / d.scales[key]).numpy())
    assert_diverging_colours(np.concatenate(rgb), np.concatenate(u), "biases")
