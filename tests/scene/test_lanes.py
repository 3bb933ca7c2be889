"""The transformer in the cube: every parameter one plate, its light in lanes, attention crossing between them,
all checked against the state_dict through an independent float64 implementation (tests/sim/test_transformer)."""

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene.lanes import ATTENTION, FAINT, FAINT_ATTENTION, LANE, LIGHT, MASK, depth_ranks, lane_x
from tests.conftest import SMALL_TRANSFORMER, trained_scene
from tests.sim.test_transformer import numpy_state, reference

L, H, T = SMALL_TRANSFORMER["layers"], SMALL_TRANSFORMER["heads"], SMALL_TRANSFORMER["context"]


@pytest.fixture(scope="module")
def scene():
    trainer, spec, frame = trained_scene(TrainConfig(**SMALL_TRANSFORMER), 60)
    sd = numpy_state(trainer.model)
    return trainer, spec, frame, sd, reference(sd, trainer.probe_ids, L, H)


def test_every_parameter_is_exactly_one_plate_showing_its_state_dict_value(scene):
    from cube_viz.render.export import scene_blocks

    trainer, spec, frame, sd, _ = scene
    blocks = scene_blocks(spec, frame)
    flat = np.concatenate([sd[name].ravel() for name, _ in trainer.layout])  # named_parameters order
    index = np.concatenate([blocks[b].point_data["param_index"] for b in ("reflectors", "biases")])
    np.testing.assert_array_equal(np.sort(index), np.arange(flat.size))  # LayerNorms and biases included
    for b in ("reflectors", "biases"):
        np.testing.assert_allclose(blocks[b].point_data["weight"], flat[blocks[b].point_data["param_index"]],
                                   rtol=1e-6)
    r = blocks["reflectors"]
    names = list(r.field_data["layer_names"])
    for li, name in enumerate(names):
        at = r.point_data["layer"] == li
        np.testing.assert_allclose(r.point_data["weight"][at],
                                   sd[f"{name}.weight"][r.point_data["row"][at], r.point_data["col"][at]], rtol=1e-6)


def test_slabs_stand_inside_the_cube_in_the_lights_order_the_tied_embedding_last(scene):
    _, spec, _, _, _ = scene
    lat = spec.lattice
    order = [s.name for s in sorted(lat.slabs, key=lambda s: s.y)]
    block = ["attn.q", "attn.k", "attn.v", "attn.o", "mlp.fc", "mlp.proj"]
    assert order == ["pos", *[f"blocks.{b}.{p}" for b in range(L) for p in block], "embed"]
    for points in (lat.positions, lat.bias_positions):
        assert np.all(np.abs(points[:, [0, 2]]) <= lat.half_width)
        assert np.all((lat.front_y < points[:, 1]) & (points[:, 1] < lat.wall_y))
    assert lat.lanes == T


def test_the_wall_is_the_softmax_of_the_tied_unembedding(scene):
    _, _, frame, _, ref = scene
    np.testing.assert_allclose(frame.probs, ref["probs"], rtol=1e-4, atol=1e-7)


def test_the_drawn_beams_are_each_slabs_strongest_contributions_at_the_last_position(scene):
    _, spec, frame, sd, ref = scene
    lat, r = spec.lattice, frame.rays
    rank = depth_ranks(lat)
    t = T - 1
    inputs = {"embed": ref["final"][t]}
    for b in range(L):
        for part, key in (("attn.q", "ln1"), ("attn.k", "ln1"), ("attn.v", "ln1"), ("attn.o", "mixed"),
                          ("mlp.fc", "ln2"), ("mlp.proj", "mlp_post")):
            inputs[f"blocks.{b}.{part}"] = ref[key][b, t]
    for name, a in inputs.items():
        drawn = (r.stage == rank[lat.index(name)]) & (r.kind == LIGHT)
        contrib = a[None, :] * sd[f"{name}.weight"]  # (rows, cols) float64, from the state_dict
        np.testing.assert_allclose(r.contribution[drawn], contrib[r.target[drawn], r.source[drawn]], rtol=1e-3,
                                   atol=1e-6)
        if name == "embed":  # only into the wall's top words, which the wall rays light
            assert set(r.target[drawn]) <= set(np.argsort(-ref["probs"])[:spec.rays_to_wall])
            continue
        assert drawn.sum() == spec.rays_per_layer
        weakest_drawn = np.abs(r.contribution[drawn]).min()
        assert np.sort(np.abs(contrib).ravel())[-spec.rays_per_layer - 1] <= weakest_drawn * (1 + 1e-4)


def test_by_default_only_the_last_word_attends_in_the_picture(scene):
    _, _, frame, _, ref = scene
    a = frame.attention
    assert len(a.segment) == L * H * T and np.all(a.query == T - 1)  # the last query reads every key
    assert not np.any(frame.rays.kind == MASK)  # the last word has no future to close
    np.testing.assert_allclose(a.weight, ref["attention"][a.layer, a.head, a.query, a.key], rtol=1e-4, atol=1e-6)


@pytest.fixture(scope="module")
def every(scene):
    """The same model drawn with every position's attention (--every-position)."""
    from dataclasses import replace

    from cube_viz.scene.frame import build_frame

    trainer, spec, _, _, _ = scene
    spec = replace(spec, every_position=True)
    return spec, build_frame(spec, trainer.snapshot())


def test_attention_crosses_from_every_earlier_lane_into_each_later_one_brighter_the_larger_its_weight(scene, every):
    _, _, _, _, ref = scene
    spec, frame = every
    a, r = frame.attention, frame.rays
    xs = lane_x(spec.lattice)
    assert len(a.segment) == L * H * T * (T + 1) // 2  # every query reads every key up to itself, no later one
    focused = a.query == T - 1  # the last word's, in full; the others thin and faint
    assert np.all(r.kind[a.segment] == np.where(focused, ATTENTION, FAINT_ATTENTION)) and np.all(a.key <= a.query)
    np.testing.assert_allclose(a.weight, ref["attention"][a.layer, a.head, a.query, a.key], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(r.intensity[a.segment], np.sqrt(a.weight) * np.where(focused, 1, FAINT), rtol=1e-6)
    np.testing.assert_allclose(r.starts[a.segment, 0], xs[a.key])  # from the key's lane
    np.testing.assert_allclose(r.ends[a.segment, 0], xs[a.query])  # into the query's
    depth = r.ends[a.segment, 1]
    for layer in range(L):  # queries along the light: a later query's light arrives deeper in the zone
        row = a.layer == layer
        assert np.all(np.diff([depth[row & (a.query == q)].mean() for q in range(T)]) > 0)
        for head in range(H):
            for q in range(T):
                pattern = row & (a.head == head) & (a.query == q)
                assert a.weight[pattern].sum() == pytest.approx(1, abs=1e-5)


def test_the_causal_mask_is_drawn_a_gate_on_each_future_lane_of_each_query(every):
    spec, frame = every
    r = frame.rays
    xs = lane_x(spec.lattice)
    gates = r.kind == MASK
    assert gates.sum() == L * T * (T - 1) // 2  # per block, the pattern's upper triangle
    query, key = r.target[gates], r.source[gates]
    assert np.all(key > query)  # only the future is closed
    np.testing.assert_allclose((r.starts[gates, 0] + r.ends[gates, 0]) / 2, xs[key], atol=1e-4)  # across its lane
    for q in range(T - 1):  # at the depth where the query's attention arrives
        arrive = set(np.round(r.ends[(r.kind == FAINT_ATTENTION) & (r.target == q), 1], 4))
        assert set(np.round(r.starts[gates & (r.target == q), 1], 4)) == arrive and len(arrive) == L


def test_each_word_has_a_lane_as_bright_as_its_streams_norm(scene):
    _, spec, frame, _, ref = scene
    r = frame.rays
    xs = lane_x(spec.lattice)
    norms = np.linalg.norm(ref["resid"], axis=2)  # (L+1, T)
    for s in range(T):
        lane = (r.kind == LANE) & (r.source == s)
        np.testing.assert_allclose(r.ends[lane, 0], xs[s], rtol=1e-6)
        np.testing.assert_allclose(r.intensity[lane][1:], norms[:, s] / norms.max(), rtol=1e-4)


def test_the_exported_attention_block_is_attention_of_the_prompt(scene, tmp_path):
    import pyvista as pv

    from cube_viz.render.export import write_scene
    from cube_viz.sim.checkpoint import load_checkpoint, save_checkpoint

    trainer, spec, frame, _, _ = scene
    save_checkpoint(trainer, tmp_path / "tf.pt")
    expected = load_checkpoint(tmp_path / "tf.pt").attention(trainer.probe_prompt)  # (L, H, T, T)
    write_scene(spec, frame, tmp_path / "scene.vtm")
    block = pv.read(tmp_path / "scene.vtm")["attention"]
    c = {k: block.cell_data[k] for k in ("layer", "head", "query", "key", "weight")}
    np.testing.assert_allclose(c["weight"], expected[c["layer"], c["head"], c["query"], c["key"]], rtol=1e-5,
                               atol=1e-7)
    assert block.n_cells == L * H * T  # the drawn beams: the last word's
    assert np.array_equal(block.point_data["weight"], np.repeat(c["weight"], 2))


def test_attention_beams_draw_in_their_heads_hue(scene):
    from dataclasses import replace

    from cube_viz.render.snapshot_image import render_image

    _, spec, frame, _, _ = scene
    others = ("reflectors", "biases", "gel", "glass", "wall", "hud", "legend", "chart", "slab-labels", "context")

    def pink(f) -> int:
        image = render_image(spec, f, (480, 270), "top", False, others).astype(int)
        r, g, b = image[..., 0], image[..., 1], image[..., 2]
        return int(((r > 80) & (r > 1.25 * g) & (b > 1.05 * g)).sum())  # head 1's pink: red over blue over green

    keep = frame.rays.kind != ATTENTION
    rays = replace(frame.rays, **{f: getattr(frame.rays, f)[keep] for f in ("starts", "ends", "contribution",
                                                                             "intensity", "stage", "source",
                                                                             "target", "kind", "head")})
    drawn, without = pink(frame), pink(replace(frame, rays=rays))
    assert drawn > 40 and without < drawn / 10, (drawn, without)


@pytest.mark.parametrize("size", [(640, 360), (1296, 960)])
def test_the_names_along_the_edge_never_print_over_each_other(scene, size):
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.base import boxes_overlap as overlap
    from cube_viz.render.elements.base import text_box
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    _, spec, frame, _, _ = scene
    plotter = offscreen_plotter(size)
    try:
        view = CubeView(plotter, spec, text_scale=size[1] / 1080)
        view.update(frame)
        set_camera(plotter, spec.lattice, "iso")
        grab(plotter)
        names = view["slab-labels"].names
        boxes = [text_box(a, plotter.renderer) for a in names if a.GetVisibility()]
    finally:
        plotter.close()
    assert names[-1].GetVisibility() and len(boxes) >= 3  # the embedding's name, and most of the others
    if size == (1296, 960):  # the window's view: a crowded name drops a line rather than going missing
        assert len(boxes) == len(names)
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_the_wall_never_has_a_column_behind_each_lane():
    """With 256 words the wall has 8 columns, as many as the default transformer's lanes: column k would read as
    what word k predicts."""
    from cube_viz.scene.lattice import build_lattice
    from cube_viz.scene.wall import wall_layout
    from cube_viz.sim.transformer import build_transformer

    model = build_transformer(256, 8, 32, 2, 2, seed=0)
    lat = build_lattice(tuple((n, tuple(p.shape)) for n, p in model.named_parameters()))
    assert lat.lanes == 8 and wall_layout(lat, 256).columns == 9


def test_the_inspector_names_an_attention_beams_head_words_and_weight_and_shows_its_pattern(scene, every):
    from cube_viz.scene.facts import beam_facts

    _, _, _, _, ref = scene
    spec, frame = every
    a = frame.attention
    k = int(np.flatnonzero((a.layer == 1) & (a.head == 1) & (a.query == T - 1))[0])  # the last word's first key
    text = beam_facts(spec, frame, int(a.segment[k]))
    words = frame.context
    assert "attention 2, head 2" in text and f"query “{words[T - 1]}”" in text and f"key “{words[a.key[k]]}”" in text
    assert f"weight <b>{ref['attention'][1, 1, T - 1, a.key[k]]:.3f}</b>" in text
    cells = [row.split("<td>")[1:] for row in text.split("<tr>")[2:]]  # the T x T pattern, row = query
    assert len(cells) == T
    for q, row in enumerate(cells):
        values = [c.split("</td>")[0] for c in row]
        assert values[q + 1:] == ["·"] * (T - q - 1)  # the future, masked
        np.testing.assert_allclose([float(v) for v in values[:q + 1]], ref["attention"][1, 1, q, :q + 1], atol=0.006)


def test_the_inspector_gives_a_transformer_plates_contribution_from_its_slabs_own_input(scene):
    from cube_viz.scene.facts import plate_facts

    trainer, spec, frame, sd, ref = scene
    lat = spec.lattice
    q = lat.slab("blocks.0.attn.q")
    i = q.weights.start + 3 * q.cols + 5  # row 3 (head 1's), col 5
    text = plate_facts(spec, frame, "reflector", i, trainer.snapshot().probe)
    a, w = ref["ln1"][0, T - 1, 5], sd["blocks.0.attn.q.weight"][3, 5]  # LayerNorm 1 at the last position
    assert f"= {a * w:+.5f}" in text and "attention 1, head 1" in text
    ln = dict(lat.norms)["blocks.1.ln2.weight"]
    text = plate_facts(spec, frame, "bias", ln.start + 2, None)
    assert "blocks.1.ln2.weight" in text and "gain of stream unit 2" in text and "MLP in 2" in text
    assert f"{sd['blocks.1.ln2.weight'][2]:+.5f}" in text


def test_a_click_on_an_attention_beam_picks_it(scene):
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    _, spec, frame, _, _ = scene
    a, r = frame.attention, frame.rays
    k = int(np.argmax(np.where(a.query == T - 1, a.weight, 0)))  # the brightest beam of the last word
    s = int(a.segment[k])
    plotter = offscreen_plotter((800, 600))
    try:
        view = CubeView(plotter, spec, text_scale=600 / 1080)
        view.update(frame)
        set_camera(plotter, spec.lattice, "top")
        grab(plotter)
        import vtk

        where = vtk.vtkCoordinate()
        where.SetCoordinateSystemToWorld()
        where.SetValue(*map(float, r.starts[s] + 0.4 * (r.ends[s] - r.starts[s])))
        x, y = where.GetComputedDisplayValue(plotter.renderer)
        hit = view.pick(x, y)
    finally:
        plotter.close()
    assert hit is not None and hit[0] == "ray" and r.kind[hit[1]] == ATTENTION


def test_a_highlight_boxes_a_blocks_attention_zone_and_the_whole_wall(scene):
    from cube_viz.anim.storyboard import StoryboardError, check_highlight
    from cube_viz.render.elements.highlight import highlight_bounds

    _, spec, _, _, _ = scene
    lat = spec.lattice
    x0, x1, y0, y1, z0, z1 = highlight_bounds(spec, "attention:blocks.1")
    assert y0 < lat.slab("blocks.1.attn.v").y < lat.slab("blocks.1.attn.o").y < y1
    assert y1 - y0 < lat.slab("blocks.1.mlp.fc").y - lat.slab("blocks.1.attn.v").y  # the zone, not the block
    assert x0 <= -lat.half_width and x1 >= lat.half_width
    x0, x1, _, _, z0, z1 = highlight_bounds(spec, "wall")  # the words' cells, not their centres
    p, (cw, ch) = spec.wall.positions, spec.wall.cell
    eps = 1e-4  # float32 centres
    assert x0 <= p[:, 0].min() - cw / 2 + eps and x1 >= p[:, 0].max() + cw / 2 - eps
    assert z0 <= p[:, 2].min() - ch / 2 + eps and z1 >= p[:, 2].max() + ch / 2 - eps
    names = {s.name: (s.rows, s.cols) for s in lat.slabs}
    check_highlight("attention:blocks.1", "shot 1", names)
    with pytest.raises(StoryboardError, match=r"no attention in 'blocks\.7'"):
        check_highlight("attention:blocks.7", "shot 1", names)


def test_the_wave_runs_back_along_the_lanes_and_across_attention_as_bright_as_their_light(scene):
    """As the backward wave passes an attention beam's middle, the beam glows as much as its own light: the
    gradient returns to an earlier word's value in proportion to the weight it was read with."""
    from cube_viz.anim.cycle import StepCycle

    trainer, spec, _, _, _ = scene
    before = trainer.snapshot()
    after = trainer.step(capture=True)
    cycle = StepCycle(spec, before, after)
    r = cycle.before.rays
    a = cycle.before.attention
    s = int(a.segment[np.argmax(a.weight * (a.layer == 1))])  # block 2's strongest beam
    middle = ((r.starts[s] + r.ends[s]) / 2)[None, :]
    u = float(cycle.plan.wave.arrival(middle, np.zeros(1), np.ones(1))[0])
    glow = cycle.frame(u).motion.ray_glow
    assert glow[s] == pytest.approx(r.intensity[s], rel=1e-5)
    assert np.all(glow[r.kind == LIGHT] == 0)  # the beams through the slabs: the plates glow there
    assert np.all(cycle.frame(0.0).motion.ray_glow == 0)  # before the wave leaves the wall


def test_a_close_up_of_a_blocks_attention_zone_draws_only_the_zone_and_is_titled_by_it(scene):
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import drawn_depths, grab, offscreen_plotter, set_camera
    from cube_viz.scene.camera import preset

    _, spec, frame, _, _ = scene
    lat = spec.lattice
    names = tuple(s.name for s in lat.slabs)
    with pytest.raises(ValueError, match=r"no attention in 'blocks\.5'"):
        preset("attention:blocks.5", names)
    plotter = offscreen_plotter((640, 360))
    try:
        view = CubeView(plotter, spec, text_scale=360 / 1080)
        view.update(frame)
        set_camera(plotter, lat, "attention:blocks.1")
        grab(plotter)
        near, far = drawn_depths(plotter)
        title = view["slab-labels"].title
        assert title.GetVisibility() and title.GetInput() == "attention 2"
        anchors = lambda: np.array([a.GetPositionCoordinate().GetReferenceCoordinate().GetValue()  # noqa: E731
                                    for a in view["context"].actors])
        words = anchors()
        set_camera(plotter, lat, "top")
        grab(plotter)
        home = anchors()
    finally:
        plotter.close()
    np.testing.assert_allclose(words[:, 0], lane_x(lat), rtol=1e-6)  # each word at its lane's foot in the zone
    assert np.allclose(words[:, 1], near) and np.all(np.abs(words[:, 2]) < lat.half_width)
    np.testing.assert_allclose(home, frame.rays.words, rtol=1e-6)  # and back at the front face for the cube
    assert near < lat.slab("blocks.1.attn.v").y < lat.slab("blocks.1.attn.o").y < far
    assert lat.slab("blocks.1.attn.k").y < near and far < lat.slab("blocks.1.mlp.fc").y  # only the zone


def test_a_bad_attention_camera_is_one_line_before_training(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("screenshot", "s.png", "--model", "transformer", "--context", "5", "--d-model", "16",
                             "--camera", "attention:blocks.9", "--steps", "5")
    assert code == 2 and "no attention in 'blocks.9'" in err and len(err.strip().splitlines()) == 1
    assert "training" not in out + err and not (tmp_path / "s.png").exists()
