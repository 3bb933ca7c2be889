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
    CORE_PX,
    HALO_PX,
    assert_diverging_colours,
    drawn_beams,
    drawn_plates,
    drawn_tilt,
    fresh_scales,
    readme_beams,
    readme_tilt,
    slab_grids,
    slab_pitch,
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
    from cube_viz.render.view import offscreen_plotter, set_camera

    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    frame = build_frame(spec, trainer.snapshot())
    plotter = offscreen_plotter(SIZE)
    view = CubeView(plotter, spec)
    view.update(frame)
    set_camera(plotter, spec.lattice, "iso")
    plotter.screenshot(return_img=True)  # a render: the beams face this camera (render() alone waits for a show)
    return spec, frame, view, plotter


@pytest.fixture(scope="module")
def drawn(corpus):
    config = tiny_config(corpus)
    t = Trainer.from_config(config)
    for _ in range(200):  # long enough for the probabilities to spread (0.02 to 1 x the top one's)
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
        pitch = slab_pitch(d.centres[grid.ravel()])
        here = np.abs(centres[:, 1] - (slab_y - pitch)) < 1e-3  # README: one step (its slab's pitch) in front
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


def forward(d):
    """Torch's trip of the probe through the model: the activations entering each slab after the embedding, and
    the probabilities. [(k*E,), (H1,), ..., (H_last,)], (V,)."""
    act = ACT[d.trainer.config.activation]
    with torch.no_grad():
        a = d.state["embed.weight"][torch.as_tensor(d.trainer.probe_ids)].reshape(-1)
        inputs = [a]
        for name in d.names[1:]:
            z = F.linear(a, d.state[f"{name}.weight"], d.state.get(f"{name}.bias"))
            a = act(z) if name != d.names[-1] else torch.softmax(z, -1)
            inputs.append(a)
    return inputs[:-1], inputs[-1]


def unit_positions(d):
    """Where each unit's light is: per layer (embedding's concatenated context units, then each later slab's output
    units at its row's centre), and each word on the wall (the centre of its quad)."""
    ctx, embed = d.trainer.probe_ids, d.grids[0]
    units = [d.centres[embed[ctx]].reshape(-1, 3)]  # unit p*E + e = plate (context word p, dim e)
    units += [d.centres[grid].mean(axis=1) for grid in d.grids[1:]]
    words = np.asarray(d.view["wall"].words.points, np.float64).reshape(-1, 4, 3).mean(axis=1)
    return units, words


def assert_lit_in_proportion(value: np.ndarray, rgb: np.ndarray, core: np.ndarray, halo: np.ndarray,
                             what: str) -> None:
    """Brightness (the brightest channel) affine in |value| / max |value| of its group (a floor for the faintest),
    the strongest at full; warm (more red than blue) where value > 0, cool where < 0; the core's and the halo's
    widths on screen linear in the same |value| / max, from the README's narrowest to its widest."""
    warm = rgb[:, 0] > rgb[:, 2]
    assert (warm == (value > 0)).all(), f"{what}: {np.count_nonzero(warm != (value > 0))} rays of the wrong hue"
    x, v = np.abs(value) / np.abs(value).max(), rgb.max(axis=1)
    slope, floor = np.polyfit(x, v, 1)
    off = float(np.abs(floor + slope * x - v).max())
    assert off <= 1.2, f"{what}: brightness not in proportion to |value| (off a line by {off:.1f})"
    assert slope > 100 and v.max() >= 250, f"{what}: the strongest ray is not at full brightness ({v.max()})"
    px = 1.0  # README widths are pixels of a view 1080 high, and this one is drawn at that scale (CubeView default)
    for drawn, (low, high), part in ((core, CORE_PX, "core"), (halo, HALO_PX, "halo")):
        expected = (low + (high - low) * x) * px
        off = float(np.abs(drawn - expected).max())
        assert off <= 0.02 * high * px, f"{what}: {part} width not linear in |value| (off by {off:.2f} px)"


def test_rays_are_torchs_strongest_signed_contributions_between_the_units_they_join(drawn):
    """README: each context word's light enters the front face in front of its embedding row and fans out to its
    E units (a_i); back from the wall, a slab's beams are the strongest a_i · W[j, i] into the units that the next
    slab's beams leave from, run from unit i to unit j; the last rays land on the 3 most probable words. Warm =
    positive, cool = negative, brightness and width in proportion to the magnitude within each layer, a bright
    opaque core in a fading halo."""
    d = drawn
    inputs, probs = forward(d)
    units, words = unit_positions(d)
    starts, ends, rgb, alpha, core, halo = drawn_beams(d.view.plotter, d.view["rays"].mesh)
    assert (alpha[:, 2:4] == 255).all() and (alpha[:, [0, 5]] == 0).all()  # a glow: opaque core, halo fading out
    assert ((alpha[:, [1, 4]] > 50) & (alpha[:, [1, 4]] < 160)).all()

    def find(points, at):  # index of each point in `at` (all must be there)
        gap = np.linalg.norm(points[:, None] - at[None], axis=2)
        assert (gap.min(axis=1) < 1e-3).all(), "a ray ends where no unit is"
        return gap.argmin(axis=1)

    slab_y = [d.centres[g[0, 0], 1] for g in d.grids]
    entry = np.abs(ends[:, 1] - slab_y[0]) < 1e-3
    at = find(ends[entry], units[0])
    assert sorted(at) == list(range(len(units[0]))), "not one entry ray per context embedding unit"
    k, e = len(d.trainer.probe_ids), d.trainer.config.embed
    fans = np.array([starts[entry][at // e == p] for p in range(k)])  # (k, E, 3) the rays of context word p
    np.testing.assert_allclose(fans, fans[:, :1].repeat(e, axis=1), atol=1e-4)  # each word's rays fan from one point
    sentence = fans[:, 0]  # (k, 3)
    assert (np.diff(sentence[:, 0]) > 0).all() and np.ptp(sentence[:, 1:], axis=0).max() < 1e-4  # in reading order
    assert (sentence[:, 1] < slab_y[0]).all()  # from in front of the first slab
    assert_lit_in_proportion(inputs[0].numpy()[at], rgb[entry], core[entry], halo[entry], "entry rays")
    contribs = [(inputs[li - 1][None, :] * d.state[f"{name}.weight"]).double()
                for li, name in enumerate(d.names[1:], start=1)]  # (rows, cols) each
    top_words, beams = readme_beams(contribs, probs, d.spec.rays_per_layer, 3)
    for li, (name, contrib) in enumerate(zip(d.names[1:], contribs, strict=True), start=1):
        here = np.abs(ends[:, 1] - slab_y[li]) < 1e-3
        j, i = find(ends[here], units[li]), find(starts[here], units[li - 1])
        assert set(zip(j, i, strict=True)) == beams[li - 1], name
        assert here.sum() == len(beams[li - 1])
        assert_lit_in_proportion(contrib.numpy()[j, i], rgb[here], core[here], halo[here], f"{name} rays")
    wall = np.abs(ends[:, 1] - words[0, 1]) < 1e-3
    word = find(ends[wall], words)  # on the centre of the word's quad
    assert set(word) == top_words == set(torch.topk(probs, 3).indices.numpy())
    np.testing.assert_allclose(starts[wall], units[-1][word], atol=1e-4)  # from the output unit of that word
    assert_lit_in_proportion(probs.numpy()[word], rgb[wall], core[wall], halo[wall], "wall rays")
    per_slab = sum(int((np.abs(ends[:, 1] - y) < 1e-3).sum()) for y in slab_y[1:])
    assert entry.sum() + per_slab + wall.sum() == len(ends), "rays that join no units"


@pytest.mark.parametrize("steps", [200, 800])  # all words within 100x of the top one (one piece); 3.5 decades
def test_each_words_light_follows_torchs_log_probability(corpus, steps):
    """README: brightness in two straight pieces of log probability, the top word at full brightness, a word 100
    times less likely at 0.65, the least likely at 0.5 (one piece, 0.5 to 1, when every word is within 100x of
    the top); a word's brightness is the light of its glyphs (all of one warm white, scaled), each opaque on its
    label. Every word but the spotlit two (gold top guess, green true word)."""
    t = Trainer.from_config(tiny_config(corpus))
    for _ in range(steps):
        t.step()
    _, _, view, plotter = drawn_view(t)
    plotter.close()
    with torch.no_grad():
        probs = torch.softmax(t.model(torch.as_tensor(np.asarray(t.probe_ids))[None]).double(), -1)[0].numpy()
    rgba = np.asarray(view["wall"].words.point_data["rgba"]).astype(int).reshape(-1, 4, 4)
    assert (rgba == rgba[:, :1]).all()
    rgba = rgba[:, 0]
    assert (rgba[:, 3] == 255).all()
    rest = np.setdiff1d(np.arange(len(probs)), [int(probs.argmax()), t.probe_target])
    logp = np.log(probs)
    top, low, knee = logp.max(), logp.min(), logp.max() - np.log(100)
    if low >= knee:
        expected = 0.5 + 0.5 * (logp - low) / (top - low)
    else:
        assert (logp[rest] > knee).sum() >= 2 and (logp[rest] < knee).sum() >= 2, "both pieces must be checked"
        expected = np.where(logp >= knee, 0.65 + 0.35 * (logp - knee) / (top - knee),
                            0.5 + 0.15 * (logp - low) / (knee - low))
    light = rgba[rest, 0]  # the red channel: the warm white's brightest, 255 at full brightness
    off = float(np.abs(255 * expected[rest] - light).max())
    assert off <= 1.5, f"a word's light is not the README's function of its log probability (off by {off:.1f})"
    white = rgba[rest, :3] / np.maximum(rgba[rest, :1], 1)  # one hue: every word's colour a scaled warm white
    np.testing.assert_allclose(white, white[:1].repeat(len(rest), 0), atol=0.02)


@pytest.mark.parametrize("activation, shows", [("relu", ("grey", "violet")), ("gelu", ("violet",)),
                                               ("sigmoid", ("green",)), ("tanh", ("violet",))])
def test_gel_dots_show_what_torchs_activation_did_in_both_hidden_layers(corpus, activation, shows):
    """README: a gel dot per hidden unit, between its slab and the next, coloured by log2(|act(z)| / |z|): grey
    where the light passed unchanged (relu of z > 0), violet the more it was suppressed, green the more it was
    amplified (sigmoid near z = 0). z and act(z) from torch (torch.nn.functional), for hidden 1 and hidden 2."""
    t = Trainer.from_config(tiny_config(corpus, activation=activation))
    for _ in range(20):
        t.step()
    _, _, view, plotter = drawn_view(t)
    try:
        state = t.model.state_dict()
        names = weight_names(state)
        centres, _, _ = drawn_plates(view["reflectors"].mesh)
        grids = slab_grids(centres)
        dots = np.asarray(view["gel"].mesh.points, np.float64)
        rgb = np.asarray(view["gel"].mesh.point_data["rgb"]).astype(int)
        with torch.no_grad():
            h = state["embed.weight"][torch.as_tensor(t.probe_ids)].reshape(-1)
            gain, colour = [], []
            for li, name in enumerate(names[1:-1], start=1):
                z = F.linear(h, state[f"{name}.weight"], state[f"{name}.bias"])
                h = ACT[activation](z)
                gain.append(torch.log2(h.abs() / z.abs()).numpy())
                rows = centres[grids[li]].mean(axis=1)  # (units, 3) where each unit's light leaves its slab
                y0, y1 = centres[grids[li][0, 0], 1], centres[grids[li + 1][0, 0], 1]
                here = [np.flatnonzero((np.abs(dots[:, [0, 2]] - r[[0, 2]]).max(axis=1) < 1e-3)
                                       & (dots[:, 1] > y0) & (dots[:, 1] < y1)) for r in rows]
                assert all(len(k) == 1 for k in here), f"{name}: not one gel dot per unit after the slab"
                colour.append(rgb[np.concatenate(here)])
        assert len(dots) == sum(len(g) for g in gain) == sum(t.config.hidden)
        gain, colour = np.concatenate(gain), np.concatenate(colour)
        r, g, b = colour.T
        kinds = {"grey": np.abs(gain) < 0.05, "green": gain > 0.5, "violet": gain < -0.1}
        for kind in shows:
            assert kinds[kind].any(), f"{activation}: no unit where the light is {kind}"
        spread = colour.max(axis=1) - colour.min(axis=1)
        greenish, violet = (g > r) & (g > b), (b > g) & (r > g)
        for kind, drawn_so in (("grey", spread <= 20), ("green", greenish), ("violet", violet)):
            wrong = np.count_nonzero(~drawn_so[kinds[kind]])
            assert not wrong, f"{activation}: {wrong} units that should be {kind} are not"
        middle = colour[np.argmin(np.abs(gain))]
        for side in (gain > 0, gain < 0):
            order = np.argsort(np.abs(gain[side]), kind="stable")
            strength = np.linalg.norm(colour[side][order] - middle, axis=1)
            assert (np.diff(strength) >= -2.5).all(), "a unit changed more by its activation drawn fainter"
        # the sheet the dots glow on spans the cube through them, half way from each hidden slab to the next
        medium = view["gel"].actors[0].GetMapper().GetInput()
        depths = sorted({round(y, 4) for y in np.asarray(medium.GetPoints().GetData())[:, 1]})
        layers = [centres[grids[li][0, 0], 1] for li in range(1, len(names))]  # hidden 1 .. output
        np.testing.assert_allclose(depths, (np.array(layers[:-1]) + layers[1:]) / 2, atol=1e-3)
        np.testing.assert_allclose(sorted(set(np.round(dots[:, 1], 4))), depths, atol=1e-3)
        assert medium.GetBounds()[4:] == pytest.approx((-view.spec.lattice.half_width, view.spec.lattice.half_width))
    finally:
        plotter.close()


def test_the_context_words_stand_at_the_front_face_where_their_light_enters(drawn):
    """README: the prompt's context words, a sentence in reading order along the front face's lower edge, where
    their light enters: label p reads word p of the context the model reads (torch's probe ids) and stands at
    the point the entry beams of units p·E ... p·E + E - 1 leave from."""
    d = drawn
    labels = d.view["context"].actors
    vocab = d.trainer.dataset.vocab.words
    assert [a.GetInput() for a in labels] == [vocab[i] for i in d.trainer.probe_ids]
    assert all(a.GetVisibility() for a in labels)
    at = np.array([a.GetPositionCoordinate().GetReferenceCoordinate().GetValue() for a in labels])  # (k, 3) world
    starts, ends, *_ = drawn_beams(d.view.plotter, d.view["rays"].mesh)
    units, _ = unit_positions(d)
    e = d.trainer.config.embed
    for p, point in enumerate(at):
        mine = np.flatnonzero(np.linalg.norm(ends[:, None] - units[0][None, p * e:(p + 1) * e], axis=2).min(axis=1)
                              < 1e-3)
        assert len(mine) == e, f"word {p}: not one beam to each of its embedding units"
        np.testing.assert_allclose(starts[mine], np.broadcast_to(point, (e, 3)), atol=1e-3)
    face = d.view["glass"].actors[0].GetBounds()[2]  # the glass's front face
    np.testing.assert_allclose(at[:, 1], face, atol=1e-4)
    assert (at[:, 1] < d.centres[:, 1].min()).all()  # in front of the embedding slab
    assert (np.diff(at[:, 0]) > 0).all()  # left to right, as the sentence reads
    assert (at[:, 2] < d.view["glass"].actors[0].GetBounds()[4]).all()  # below the glass: not over the wall's words
