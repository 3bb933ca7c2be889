"""The scene's numbers checked against the model's tensors (torch as the oracle), not against the mapping code."""

import itertools

import numpy as np
import pytest
import torch

from cube_viz.config import TrainConfig
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.scene.lattice import build_lattice, fold
from cube_viz.scene.rays import ray_count
from cube_viz.sim.trainer import Trainer
from tests.conftest import trained_scene
from tests.render.drawn import readme_beams


@pytest.fixture(scope="module")
def trained():
    return trained_scene(TrainConfig(steps=60), 60)


def weight_matrices(model):
    return {n.removesuffix(".weight"): p.detach().numpy() for n, p in model.named_parameters() if n.endswith("weight")}


def test_one_reflector_per_weight_and_a_bias_plate_per_bias(trained):
    t, spec, frame = trained
    lat = spec.lattice
    mats = weight_matrices(t.model)
    assert len(lat.positions) == sum(m.size for m in mats.values()) == len(frame.reflectors.weight)
    biases = [p for n, p in t.model.named_parameters() if n.endswith("bias")]
    assert len(lat.bias_positions) == sum(b.numel() for b in biases)
    assert lat.layer_names == tuple(mats)  # embedding first, output last: the light's order


def test_reflector_values_are_the_model_weights_by_layer_row_col(trained):
    t, spec, frame = trained
    lat = spec.lattice
    mats = weight_matrices(t.model)
    for li, name in enumerate(lat.layer_names):
        sel = lat.layer == li
        np.testing.assert_array_equal(frame.reflectors.weight[sel], mats[name][lat.row[sel], lat.col[sel]])
    state = t.model.state_dict()
    for li, name in enumerate(lat.layer_names[1:], start=1):
        sel = lat.bias_layer == li
        np.testing.assert_array_equal(frame.biases.weight[sel], state[f"{name}.bias"].numpy()[lat.bias_row[sel]])
    for li, name in enumerate(lat.layer_names):  # the gradient shown is the last step's p.grad
        sel = lat.layer == li
        grad = t.model.get_submodule(name).weight.grad.numpy()
        np.testing.assert_array_equal(frame.reflectors.grad[sel], grad[lat.row[sel], lat.col[sel]])
    assert frame.reflectors.grad.any()


def test_neighbouring_plates_are_one_slab_pitch_apart_and_positions_are_unique(trained):
    _, spec, _ = trained
    lat = spec.lattice
    assert len(np.unique(lat.positions, axis=0)) == len(lat.positions)
    for slab in lat.slabs:
        p = lat.positions[slab.weights].reshape(slab.rows, slab.cols, 3)
        if slab.cols > 1:  # neighbours along a row are one pitch apart (farther only across a fold)
            d = np.linalg.norm(np.diff(p, axis=1), axis=2)
            np.testing.assert_allclose(np.median(d), slab.pitch, rtol=1e-5)
            assert d.min() >= slab.pitch * (1 - 1e-5)
        assert np.all(p[..., 1] == slab.y)


def mlp_layout(hidden: tuple[int, ...], vocab: int = 256, context: int = 4, embed: int = 16):
    """The parameter shapes of the next-word MLP for these flags (what build_lattice is given)."""
    widths = [context * embed, *hidden]
    layout = [("embed.weight", (vocab, embed))]
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layout += [(f"hidden.{i}.weight", (b, a)), (f"hidden.{i}.bias", (b,))]
    return tuple(layout + [("out.weight", (vocab, widths[-1])), ("out.bias", (vocab,))])


@pytest.mark.parametrize("hidden", [(8,), (64, 64), (1024, 1024)])
def test_every_slab_fills_the_cube_in_order_and_keeps_inside_it(hidden):
    """From --hidden 8 to ~1.6M weights: the slabs stand inside the glass at even depths, front to back in
    the light's order, each folded about as wide as high (no sliver) and filling most of the cross-section,
    the wall the cube's back face."""
    lat = build_lattice(mlp_layout(hidden))
    h = lat.half_width
    ys = [s.y for s in lat.slabs]
    gaps = np.diff([lat.front_y, *ys, lat.wall_y])
    np.testing.assert_allclose(gaps, gaps[0], rtol=1e-6)  # evenly spaced, front face to wall
    assert lat.wall_y - lat.front_y == pytest.approx(2 * h)  # a cube
    for slab in lat.slabs:
        p = lat.positions[slab.weights]
        half_plate = 0.62 * slab.pitch / 2
        assert np.abs(p[:, [0, 2]]).max() + half_plate <= h  # inside the glass
        width, height = np.ptp(p[:, 0]) + slab.pitch, np.ptp(p[:, 2]) + slab.pitch
        assert 1 / 1.6 < width / height < 1.6, (slab.name, width, height)  # folded about square
        assert max(width, height) > 0.5 * 2 * h, slab.name  # fills the cross-section, not a speck or a sliver
    bias_y = lat.bias_positions[:, 1]
    assert np.all((bias_y > lat.front_y) & (bias_y < lat.wall_y))


def test_a_fold_keeps_every_row_and_col_in_its_own_place():
    for rows, cols in ((256, 64), (64, 1024), (256, 16), (8, 64)):
        x, z = fold(rows, cols)
        assert len({(float(a), float(b)) for a, b in zip(x, z, strict=True)}) == rows * cols
        r, c = np.divmod(np.arange(rows * cols), cols)
        first = (r == 0) & (c == 0)
        assert x[first] == x.min() and z[first] == z.max()  # row 0, col 0 at the top left
        row = r == 1  # along a row, column c + 1 sits one pitch right of column c, but where a fold begins
        dx, dz = np.diff(x[row]), np.diff(z[row])
        assert np.all((dx == 1) & (dz == 0) | (dz != 0)) and np.sum(dz != 0) < cols / 8


def test_normals_are_unit_and_strictly_monotone_in_the_weight(trained):
    _, spec, frame = trained
    lat, r = spec.lattice, frame.reflectors
    np.testing.assert_allclose(np.linalg.norm(r.normal, axis=1), 1.0, rtol=1e-6)
    angle = np.arctan2(r.normal[:, 2], -r.normal[:, 1])  # tilt away from facing the light
    for li in range(len(lat.slabs)):
        sel = lat.layer == li
        w, a = r.weight[sel].astype(np.float64), angle[sel]
        order = np.argsort(w, kind="stable")
        dw, da = np.diff(w[order]), np.diff(a[order])
        assert np.all(da >= 0)  # never decreasing, and strictly increasing wherever float32 can resolve it
        assert np.all(da[dw > 1e-5] > 0) and np.all(da[dw == 0] == 0)
        assert np.all(np.abs(a) < orient.MAX_TILT)
    assert np.all(np.sign(angle[r.weight != 0]) == np.sign(r.weight[r.weight != 0]))


def test_tilt_scale_is_fixed_at_the_start_of_the_run(trained):
    t, spec, _ = trained
    later = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    np.testing.assert_array_equal(spec.scales, later.scales)
    init = dict(zip([n for n, _ in t.model.named_parameters()], t.initial_parameters().values(), strict=True))
    out = spec.lattice.slabs[-1]
    assert spec.scales[out.weight_offset] == pytest.approx(orient.SCALE_STDS * init["out.weight"].std(), rel=1e-5)


def test_tilt_scale_is_3_std_of_a_fresh_torch_models_initial_values():
    """README: s = 3 x the standard deviation of that parameter's initial values, fixed for the run: after
    training, the scale of the window (RunInfo) and of screenshots still comes from the seed's fresh model."""
    from cube_viz.sim.model import NextWordMLP
    from cube_viz.sim.session import TrainingSession
    from tests.conftest import SMALL

    overrides = {**SMALL, "lr": 0.05, "seed": 7}
    session = TrainingSession(overrides, None, lambda published: None, playing=False)
    t = session.trainer
    for _ in range(20):
        t.step()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)
        fresh = NextWordMLP(len(t.dataset.vocab), t.config.context, t.config.embed, t.config.hidden,
                            t.config.activation)
    vocab = t.dataset.vocab.words
    for spec in (CubeSpec.build(t.initial_parameters(), vocab), CubeSpec.build(session.info.initial, vocab)):
        offset, moved = 0, 0.0
        for (name, p), trained_p in zip(fresh.named_parameters(), t.model.parameters(), strict=True):
            expected = 3.0 * p.detach().std(correction=0).item()
            np.testing.assert_allclose(spec.scales[offset:offset + p.numel()], expected, rtol=1e-5, err_msg=name)
            moved = max(moved, abs(3.0 * trained_p.detach().std(correction=0).item() / expected - 1))
            offset += p.numel()
        assert offset == len(spec.scales)
        assert moved > 0.01  # training changed the spread: a scale taken from the current weights would differ


def test_wall_probabilities_are_the_model_softmax(trained):
    t, _spec, frame = trained
    with torch.no_grad():
        logits = t.model(torch.tensor(t.probe_ids)[None])[0]
    np.testing.assert_allclose(frame.probs, torch.softmax(logits, -1).numpy(), rtol=1e-5, atol=1e-8)
    assert frame.word_brightness.argmax() == frame.probs.argmax() == frame.top_ids[0]
    assert frame.word_brightness.min() > 0  # the floor keeps every word readable


def test_rays_follow_the_strongest_contributions_from_the_front_to_the_wall(trained):
    """The README's rule, with torch's a_i · W[j, i]: back from the top words, each slab's beams are the strongest
    into the units the next stage leaves from (tests.render.drawn.readme_beams); so every beam leads on to the wall
    and every unit a beam leaves from is lit by a beam (or, at the embedding, by its word's entry fan)."""
    t, spec, frame = trained
    r = frame.rays
    m = t.model
    with torch.no_grad():
        a = m.embed(torch.tensor(t.probe_ids)).reshape(-1)
        contribs = []
        for layer in [*m.hidden, m.out]:
            contribs.append(a[None, :] * layer.weight)  # (rows, cols)
            a = m.act(layer(a)) if layer is not m.out else torch.softmax(layer(a), -1)
    words, beams = readme_beams(contribs, a, spec.rays_per_layer, spec.rays_to_wall)
    wall = r.stage == len(spec.lattice.slabs)
    assert set(r.target[wall]) == words == set(np.argsort(-frame.probs)[: spec.rays_to_wall])
    leaving = set(r.source[wall])
    for li in range(len(contribs), 0, -1):
        sel = r.stage == li
        drawn = {(int(j), int(i)) for j, i in zip(r.target[sel], r.source[sel], strict=True)}
        assert drawn == beams[li - 1] and sel.sum() == len(drawn) <= spec.rays_per_layer, f"slab {li}"
        assert {j for j, _ in drawn} == leaving, f"slab {li}: a beam leads nowhere, or a unit is left unlit"
        leaving = {i for _, i in drawn}
        np.testing.assert_allclose(r.contribution[sel], [float(contribs[li - 1][j, i]) for j, i in
                                                          zip(r.target[sel], r.source[sel], strict=True)], rtol=1e-5)
    entry = r.stage == 0
    assert sorted(r.target[entry]) == list(range(len(t.probe_ids) * t.config.embed))  # the whole context
    assert len(r.starts) <= ray_count(spec.lattice, spec.rays_per_layer, spec.rays_to_wall, len(spec.vocab))
    assert r.intensity.max() == pytest.approx(1.0) and r.intensity.min() >= 0


def test_gel_shows_what_the_activation_did(trained):
    t, _, frame = trained
    g = frame.gel
    with torch.no_grad():
        z = t.model.hidden[0](t.model.embed(torch.tensor(t.probe_ids)).reshape(-1))
    sel = g.layer == 1
    expected = np.log2((torch.tanh(z).abs().numpy() + 1e-6) / (z.abs().numpy() + 1e-6))
    np.testing.assert_allclose(g.gain[sel], expected, rtol=1e-4, atol=1e-5)
    assert np.all(g.gain <= 1e-4)  # tanh never amplifies: |tanh z| <= |z|


def test_lattice_needs_no_model_only_a_layout():
    lat = build_lattice((("embed.weight", (10, 4)), ("out.weight", (10, 8)), ("out.bias", (10,))))
    assert len(lat.positions) == 120 and len(lat.bias_positions) == 10


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "sigmoid"])
def test_gel_gains_are_torchs_activation_in_every_hidden_layer(activation):
    """log2(|act(z)| / |z|) per hidden unit of both hidden layers, act from torch.nn.functional by name (a model
    that maps the name to another function fails)."""
    from torch.nn import functional as F

    from tests.conftest import SMALL

    act = {"tanh": torch.tanh, "relu": F.relu, "gelu": F.gelu, "sigmoid": torch.sigmoid}[activation]
    t = Trainer.from_config(TrainConfig(**{**SMALL, "hidden": (16, 12)}, activation=activation))
    for _ in range(5):
        t.step()
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    g = build_frame(spec, t.snapshot()).gel
    state = t.model.state_dict()
    with torch.no_grad():
        h = state["embed.weight"][torch.as_tensor(t.probe_ids)].reshape(-1)
        for li, name in enumerate(["hidden.0", "hidden.1"], start=1):
            z = F.linear(h, state[f"{name}.weight"], state[f"{name}.bias"])
            h = act(z)
            sel = g.layer == li
            np.testing.assert_array_equal(g.unit[sel], np.arange(len(z)))
            ok = (h.abs() > 1e-4) & (z.abs() > 1e-3)  # not relu's zeros (log2 0) nor z ~ 0: the scene's epsilon
            np.testing.assert_allclose(g.gain[sel][ok.numpy()], torch.log2(h.abs() / z.abs())[ok].numpy(),
                                       rtol=1e-4, atol=1e-4, err_msg=name)
            assert (g.gain[sel][(h.abs() < 1e-6).numpy()] < -5).all()  # relu's zeros: fully suppressed
    assert len(g.gain) == 16 + 12
