"""Offscreen renders (EGL, software GL): small images that must show the cube and match their baselines."""

import imageio.v3 as iio
import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene.facts import hud_text, spoken
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer
from tests.conftest import trained_scene
from tests.render.imagecheck import BASELINES, assert_not_blank, difference

SIZE = (400, 400)
TOLERANCE = 6.0  # mean |difference| per channel after blurring; a blank or shifted scene is far above


def baseline_scene():
    """The scene the baselines show (scripts/regen_baselines.py draws them from this too)."""
    _, spec, frame = trained_scene(TrainConfig(seed=3), 40)
    return spec, frame


@pytest.fixture(scope="module")
def scene():
    return baseline_scene()


def render(scene, camera, transparent=False):
    from cube_viz.render.snapshot_image import render_image

    spec, frame = scene
    return render_image(spec, frame, SIZE, camera, transparent)


@pytest.mark.parametrize("camera", ["iso", "side"])
def test_render_matches_its_baseline(scene, camera):
    img = render(scene, camera)
    assert img.shape == (SIZE[1], SIZE[0], 3)
    assert_not_blank(img)
    baseline = iio.imread(BASELINES / f"cube_{camera}.png")
    assert difference(img, baseline) < TOLERANCE


def test_the_checks_reject_a_blank_and_a_wrong_image(scene):
    img = render(scene, "iso")
    with pytest.raises(AssertionError):
        assert_not_blank(np.zeros_like(img))
    from cube_viz.render.snapshot_image import render_image
    from cube_viz.scene.elements import NAMES

    empty = render_image(*scene, SIZE, "iso", hidden=NAMES)  # the background's gradient alone
    assert empty.std() > 8  # what `std > 8` alone let through
    with pytest.raises(AssertionError, match="did not draw"):
        assert_not_blank(empty)
    baseline = iio.imread(BASELINES / "cube_iso.png")
    assert difference(np.zeros_like(img), baseline) > TOLERANCE
    assert difference(render(scene, "top"), baseline) > TOLERANCE


def test_transparent_png_has_alpha(scene):
    img = render(scene, "iso", transparent=True)
    assert img.shape[2] == 4
    alpha = img[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255  # background clear, the cube opaque
    # where the opaque picture shows the bare background the PNG is clear (but under the text panels);
    # where it shows the cube, opaque (but at anti-aliased edges and faint words)
    from tests.render.imagecheck import background

    opaque = render(scene, "iso").astype(int)
    away = np.abs(opaque - background(*opaque.shape[:2])).max(axis=2)
    bare, cube = away <= 1, away > 60
    assert bare.mean() > 0.1 and cube.mean() > 0.05
    assert (alpha[bare] == 0).mean() > 0.9, f"{(alpha[bare] > 0).mean():.0%} of the bare background not clear"
    corners = [np.s_[:30, :30], np.s_[:30, -30:], np.s_[-30:, :30], np.s_[-30:, -30:]]
    beside = [c for c in corners if bare[c].all()]  # corners where the opaque picture shows only background
    assert beside and all((alpha[c] == 0).all() for c in beside), "a corner beside the cube is not clear"
    # the glass, the gel and the beams' halos are translucent: about 15% of what differs from the background
    assert (alpha[cube] > 128).mean() > 0.8, f"only {(alpha[cube] > 128).mean():.0%} of the cube opaque"


def test_changing_the_weights_changes_the_picture(scene):
    spec, frame = scene
    from dataclasses import replace

    from cube_viz.scene import orient
    from cube_viz.scene.frame import Plates

    flipped_theta = -frame.reflectors.theta
    flipped = Plates(-frame.reflectors.weight, frame.reflectors.grad, flipped_theta, orient.normals(flipped_theta),
                     -frame.reflectors.tone)
    a = render(scene, "iso")
    b = render((spec, replace(frame, reflectors=flipped)), "iso")
    assert difference(a, b) > 0.5


def test_the_wall_shows_each_word_lit_by_the_models_probability():
    """Quad i of the wall sits in word i's cell and gives light (alpha) in the order of the model's softmax
    (torch is the oracle): a likelier word is never dimmer; the likeliest is gold."""
    import torch

    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter
    from cube_viz.scene import palette

    t = Trainer.from_config(TrainConfig(seed=3))
    for _ in range(40):
        t.step()
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    frame = build_frame(spec, t.snapshot())
    with torch.no_grad():
        probs = torch.softmax(t.model(torch.tensor(t.probe_ids)[None])[0], -1).numpy()
    plotter = offscreen_plotter(SIZE)
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        np.testing.assert_allclose(view["wall"].words.cell_centers().points, spec.wall.positions, atol=1e-4)
        rgba = np.asarray(view["wall"].words.point_data["rgba"])[::4]  # one colour per quad (its 4 corners share it)
        order = np.argsort(-probs, kind="stable")
        assert (rgba[order[0], :3] == palette.TOP_WORD).all() and rgba[order[0], 3] == 255
        rest = [i for i in order[1:] if i != frame.target_id]
        light = rgba[rest, :3].astype(int).sum(axis=1)  # the glyphs' light (every word opaque on its label)
        assert (rgba[:, 3] == 255).all()
        assert (np.diff(light) <= 3).all()  # never brighter than a likelier word (1 a channel for uint8 rounding)
        assert light[0] > light[-1] >= 0.45 * palette.WORD.sum()  # graded, and the least likely word still lit
        # the likeliest word again, larger, over the wall: its cell's texture, centre and colour
        from cube_viz.render.words import SPOTLIGHT

        top = slice(4 * order[0], 4 * order[0] + 4)
        centre = view["wall"].top_word.points.mean(axis=0)
        np.testing.assert_allclose(centre[[0, 2]], spec.wall.positions[order[0]][[0, 2]], atol=1e-4)
        assert 0 < spec.wall.positions[order[0]][1] - centre[1] < 0.1 * spec.wall.cell[1]  # just in front of the wall
        np.testing.assert_allclose(np.ptp(view["wall"].top_word.points, axis=0),
                                   SPOTLIGHT * np.ptp(view["wall"].words.points[top], axis=0), rtol=1e-5)
        # larger, but not over its neighbours' words: it stays within its cell and a quarter of the next ones
        assert np.ptp(view["wall"].top_word.points[:, 2]) < 1.5 * spec.wall.cell[1]
        np.testing.assert_array_equal(view["wall"].top_word.active_texture_coordinates,
                                      view["wall"].words.active_texture_coordinates[top])
        assert (view["wall"].top_word.point_data["rgba"][:, :3] == palette.TOP_WORD).all()
        truth = view["wall"].true_word.points.mean(axis=0)  # and the true next word, larger, in green
        np.testing.assert_allclose(truth[[0, 2]], spec.wall.positions[frame.target_id][[0, 2]], atol=1e-4)
        assert (view["wall"].true_word.point_data["rgba"][:, :3] == palette.TARGET_WORD).all()
        target = frame.target_id  # the HUD names the true next word with its probability and rank
        rank = int((probs > probs[target]).sum()) + 1
        p = probs[target]
        shown = f"{p:.0%}" if p >= 0.01 else f"{p:.1%}"  # under 1%: one decimal, never "0%"
        top = " = the top guess" if rank == 1 else ""
        assert f"true next word: {spoken(spec.vocab[target])}\n  {shown}, rank {rank}{top}\n" in hud_text(frame,
                                                                                                     spec.vocab)
        # the context the HUD names is the words the model is given: a short prompt padded with <s>, an
        # unknown word as <unk>
        t.set_probe("xyzzy the")
        given = " ".join(spec.vocab[i] for i in t.probe_ids)
        assert given.split() == ["<s>", "<s>", "<unk>", "the"]
        assert f"context: {given} ___" in hud_text(build_frame(spec, t.snapshot()), spec.vocab)
    finally:
        plotter.close()


def test_a_movie_keeps_its_first_frames_size_even_when_the_frames_change_size(tmp_path):
    import imageio.v2 as imageio

    from cube_viz.render.movie import MovieWriter

    path = tmp_path / "m.mp4"
    with MovieWriter(path, 10) as movie:  # a window 897x601 that is then resized
        for shape in ((601, 897), (601, 897), (640, 1000), (500, 800)):
            movie.add(np.full((*shape, 3), 200, np.uint8))
    with imageio.get_reader(path) as reader:
        frames = [frame for frame in reader]
    assert len(frames) == 4 and all(f.shape == (600, 896, 3) for f in frames)
    assert frames[-1][:480].mean() > 150 and frames[-1][520:].mean() < 30  # padded with black below the frame


@pytest.mark.parametrize("config", [{}, {"model": "transformer", "context": 5, "d_model": 16}])
def test_the_legend_counts_the_plates_that_are_weights(config):
    """The legend gives the picture's scale: as many weights as torch's model holds in its weight matrices."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter
    from tests.conftest import SMALL

    t = Trainer.from_config(TrainConfig(**{**SMALL, **config}))
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    plotter = offscreen_plotter((640, 360))
    try:
        view = CubeView(plotter, spec)
        view.update(build_frame(spec, t.snapshot()))
        legend = view["legend"].text.GetInput().replace("\u00a0", " ")
    finally:
        plotter.close()
    n = sum(p.numel() for p in t.model.parameters() if p.dim() == 2)
    assert f"plate = one weight ({n:,} in all)" in legend, legend


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_the_legend_explains_the_stabilizing_field_only_when_weight_decay_is_on(weight_decay):
    from cube_viz.anim.cycle import cycle_frame, training_frame
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter
    from tests.conftest import SMALL

    t = Trainer.from_config(TrainConfig(**SMALL, weight_decay=weight_decay))
    before = t.step(capture=True)
    after = t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    plotter = offscreen_plotter((320, 240))
    try:
        view = CubeView(plotter, spec)
        for frame in (training_frame(spec, after), cycle_frame(spec, before, after, 0.7)):
            view.update(frame)
            legend = view["legend"].text.GetInput().replace("\u00a0", " ")  # no-break spaces keep phrases whole
            assert ("stabilizing field" in legend) == (weight_decay > 0)
    finally:
        plotter.close()


def test_gel_dots_show_how_much_the_activation_dims_each_unit(scene):
    """Gel dot j sits between its slab and the next; it is violet where tanh dimmed the light (all of them:
    |tanh z| <= |z|) and brighter the more it dimmed (the gains are checked against torch in tests/scene)."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import offscreen_plotter

    spec, frame = scene
    plotter = offscreen_plotter(SIZE)
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        np.testing.assert_allclose(view["gel"].mesh.points, frame.gel.positions)
        rgb = np.asarray(view["gel"].mesh.point_data["rgb"]).astype(int)
        assert (rgb[:, 2] > rgb[:, 1]).all()  # violet: more blue than green
        order = np.argsort(np.abs(frame.gel.gain))
        brightness = rgb[order].sum(axis=1)
        assert (np.diff(brightness) >= -3).all() and brightness[-1] > brightness[0]  # dims more, glows more
    finally:
        plotter.close()


def test_slab_names_show_only_where_the_slabs_stand_apart_and_title_a_close_up(scene):
    """Seen along the light (front) every slab's name would land on one spot: they are hidden there (elsewhere
    one that would cover another gives way: tests/scene/test_lanes.py). In a close-up its slab's name stands
    inside the top of the view; the others are cut away with their slabs."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.base import text_box
    from cube_viz.render.view import grab, offscreen_plotter, set_camera
    from cube_viz.scene.lattice import slab_title

    spec, frame = scene
    plotter = offscreen_plotter(SIZE)
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        labels = view["slab-labels"].actors  # the names along the edge, then a close-up's title
        for camera, shown in (("front", False), ("iso", True), ("side", True), ("front", False)):
            set_camera(plotter, spec.lattice, camera)
            grab(plotter)
            visible = [bool(a.GetVisibility()) for a in labels]
            assert visible[-2] == shown and not visible[-1] and (any(visible[:-2]) if shown else not any(visible))
        for slab in spec.lattice.slabs:
            set_camera(plotter, spec.lattice, f"slab:{slab.name}")
            grab(plotter)
            titled = [a for a in labels if a.GetVisibility()]
            assert [a.GetInput() for a in titled] == [slab_title(slab.name)]
            left, right, bottom, top = text_box(titled[0], plotter.renderer)
            assert left > 0 and right < SIZE[0] and SIZE[1] / 2 < bottom and top < SIZE[1]  # in the view's top half
        set_camera(plotter, spec.lattice, "iso")
        grab(plotter)
        assert labels[-2].GetVisibility() and not labels[-1].GetVisibility()  # the names again, no title
    finally:
        plotter.close()


def drawn_box(full: np.ndarray, without: np.ndarray) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) pixel box of what differs between two renders (inclusive)."""
    rows, cols = np.nonzero(np.abs(full.astype(int) - without.astype(int)).max(axis=2) > 8)
    assert len(rows), "the text drew nothing"
    return cols.min(), cols.max(), rows.min(), rows.max()


@pytest.mark.parametrize("size", [(640, 360), (960, 540), (1920, 1080)])
def test_the_captions_never_run_under_the_legend_or_the_chart(size):
    """The lecture's widest caption beside the tallest legend (a lecture cycle with turns exaggerated and
    weight decay on) and the loss chart of a movie. Each overlay's pixels are found by rendering it again in
    magenta (text and backdrop, or the chart's background; the layout stays the same), and no two pixel boxes
    may meet (before: at 960x540 "Step after step" lost its "St" under the legend; the chart, new in movies,
    sits at the captions' corner)."""
    import tomllib
    from dataclasses import replace
    from pathlib import Path

    from cube_viz.anim.cycle import cycle_frame
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera
    from cube_viz.scene.frame import Losses
    from tests.conftest import SMALL

    board = tomllib.loads((Path(__file__).parents[2] / "assets/storyboards/lecture.toml").read_text())
    caption = max((s["caption"] for s in board["shot"] if "caption" in s),
                  key=lambda c: max(len(line) for line in c.splitlines()))
    t = Trainer.from_config(TrainConfig(**SMALL, weight_decay=0.01))
    before, after = t.snapshot(), t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    losses = Losses(np.arange(1, 201), 5 - np.linspace(0, 2, 200), 50)
    plotter = offscreen_plotter(size)
    try:
        view = CubeView(plotter, spec, text_scale=size[1] / 1080)
        view.update(replace(cycle_frame(spec, before, after, 0.5, 4.0), caption=caption, losses=losses))
        set_camera(plotter, spec.lattice, "iso")
        grab(plotter)  # the chart lays its axes out in its first render
        full = grab(plotter)
        boxes = {}
        for name in ("captions", "legend"):
            prop = view[name].text.GetTextProperty()
            colour, backdrop = prop.GetColor(), prop.GetBackgroundColor()
            prop.SetColor(1, 0, 1)
            prop.SetBackgroundColor(1, 0, 1)
            boxes[name] = drawn_box(full, grab(plotter))
            prop.SetColor(colour)
            prop.SetBackgroundColor(backdrop)
        chart = view["chart"].chart
        background, chart.chart.background_color = chart.chart.background_color, (1.0, 0.0, 1.0, 1.0)
        boxes["chart"] = drawn_box(full, grab(plotter))
        chart.chart.background_color = background
        boxes = {k: tuple(int(v) for v in box) for k, box in boxes.items()}
        for other in ("legend", "chart"):
            (cl, cr, ct, cb), (ol, o_r, ot, ob) = boxes["captions"], boxes[other]
            apart = cl > o_r or cr < ol or cb < ot or ct > ob
            assert apart, f"caption box {boxes['captions']} meets {other} box {boxes[other]} (l, r, t, b) at {size}"
    finally:
        plotter.close()


def test_an_edge_on_wall_names_the_top_guesses_where_their_light_lands(scene):
    """From the top or the side the wall's words are edge-on, unreadable: the top guesses are named there, with
    their probabilities, each at its word, none over another; looking at the wall (iso, front) they are not."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.base import boxes_overlap as overlap
    from cube_viz.render.elements.base import text_box
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    spec, frame = scene
    top = np.argsort(-frame.probs, kind="stable")[:spec.rays_to_wall]
    plotter = offscreen_plotter(SIZE)
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        guesses = view["wall"].guesses
        for camera, named in (("iso", False), ("top", True), ("front", False), ("side", True)):
            set_camera(plotter, spec.lattice, camera)
            grab(plotter)
            assert [bool(g.GetVisibility()) for g in guesses] == [named] * len(top), camera
            if named:
                assert [g.GetInput() for g in guesses] == [f"{spoken(spec.vocab[i])} {frame.probs[i]:.0%}"
                                                           if frame.probs[i] >= 0.01 else
                                                           f"{spoken(spec.vocab[i])} {frame.probs[i]:.1%}"
                                                           for i in top]
                anchors = [g.GetPositionCoordinate().GetReferenceCoordinate().GetValue() for g in guesses]
                np.testing.assert_allclose(anchors, spec.wall.positions[top], rtol=1e-6)
                boxes = [text_box(g, plotter.renderer) for g in guesses]
                gap = 0.15 * (boxes[0][3] - boxes[0][2])  # apart, not touching: "pears 10%fresh 12%" read as one
                padded = [(a[0] - gap, a[1] + gap, a[2] - gap, a[3] + gap) for a in boxes]
                assert not any(overlap(a, b) for k, a in enumerate(padded) for b in boxes[k + 1:])
    finally:
        plotter.close()
