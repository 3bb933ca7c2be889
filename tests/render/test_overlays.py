"""The overlays (HUD, banner, captions, loss chart, legend) never cover each other, the wall's words or the
frame's edge, at every size a still or a movie is made at, with and without a caption and the chart."""

import tomllib
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene.frame import CubeSpec, Losses
from cube_viz.scene.overlay_layout import Overlay, layout, meet, wrap, wrappings
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL

SIZES = [(640, 360), (1280, 720), (1920, 1080), (3840, 2160), (1130, 960)]  # the last: the window's view


@pytest.fixture(scope="module")
def scene():
    """A small model (the layout does not depend on its size) with the default vocabulary for the wall; a
    step played with its turns exaggerated and weight decay on (the tallest legend); the lecture's widest
    caption; a movie's losses; an epoch's banner."""
    from cube_viz.anim.cycle import cycle_frame

    board = tomllib.loads((Path(__file__).parents[2] / "assets/storyboards/lecture.toml").read_text())
    caption = max((s["caption"] for s in board["shot"] if "caption" in s), key=len)
    t = Trainer.from_config(TrainConfig(**SMALL, weight_decay=0.01))
    before, after = t.snapshot(), t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    assert len(spec.vocab) == 256
    losses = Losses(np.arange(1, 201), 5 - np.linspace(0, 2, 200), 50)
    frame = replace(cycle_frame(spec, before, after, 0.5, 4.0), banner="epoch 2 begins")
    return spec, frame, caption, losses


def word_boxes(view, renderer) -> np.ndarray:
    """(K, 4) display boxes (left, bottom, right, top) of the wall's words and its two spotlit words, each
    corner projected by VTK itself (not by the layout's own projection); and (C, 4) the other words in the
    scene, the context's and the slab names'."""
    import vtk

    wall = view["wall"]
    corners = np.concatenate([wall.words.points, wall.top_word.points, wall.true_word.points])
    coordinate = vtk.vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    xy = []
    for point in corners:
        coordinate.SetValue(*map(float, point))
        xy.append(coordinate.GetComputedDoubleDisplayValue(renderer))
    xy = np.array(xy).reshape(-1, 4, 2)
    from cube_viz.render.elements.base import text_box

    context = [text_box(a, renderer) for name in ("context", "slab-labels") for a in view[name].actors
               if a.GetVisibility()]  # the sentence's words and the slabs' names
    context = np.array([(left, bottom, right, top) for left, right, bottom, top in context]).reshape(-1, 4)
    return np.concatenate([xy.min(axis=1), xy.max(axis=1)], axis=1), context


def drawn_boxes(view, renderer) -> dict[str, tuple[float, float, float, float]]:
    """(left, bottom, right, top) display pixels of every overlay drawn now: a text actor's box as VTK
    measures it (backdrop included), the chart's geometry."""
    from cube_viz.render.elements.base import text_box

    actors = {"hud": view["hud"].text, "banner": view["hud"].banner, "legend": view["legend"].text,
              "captions": view["captions"].text}
    boxes = {}
    for name, actor in actors.items():
        if actor.GetVisibility() and actor.GetInput():
            left, right, bottom, top = text_box(actor, renderer)
            boxes[name] = (left, bottom, right, top)
    chart = view["chart"].box()
    if chart is not None:
        left, right, bottom, top = chart
        boxes["chart"] = (left, bottom, right, top)
    return boxes


def assert_apart(boxes, words, size, where):
    width, height = size
    names = sorted(boxes)
    for i, a in enumerate(names):
        left, bottom, right, top = boxes[a]
        inside = left >= 0 and bottom >= 0 and right <= width and top <= height
        assert inside, f"{a} {boxes[a]} leaves the frame {where}"
        for b in names[i + 1:]:
            assert not meet(boxes[a], boxes[b]), f"{a} {boxes[a]} meets {b} {boxes[b]} {where}"
        hit = [tuple(np.round(w)) for w in words if meet(boxes[a], w)]
        assert not hit, f"{a} {boxes[a]} covers {len(hit)} of the wall's words, e.g. {hit[0]} {where}"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_two_overlays_meet_nor_cover_the_wall_or_leave_the_frame(scene, size):
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    spec, frame, caption, losses = scene
    plotter = offscreen_plotter(size, "preview")
    try:
        view = CubeView(plotter, spec, text_scale=size[1] / 1080)
        for camera in ("front", "iso", "slab:out"):  # a close-up cuts the wall away: only the frame binds
            set_camera(plotter, spec.lattice, camera)
            for with_caption in (False, True):
                for with_chart in (False, True):
                    view.update(replace(frame, caption=caption if with_caption else None,
                                        losses=losses if with_chart else None))
                    grab(plotter)
                    where = f"at {size[0]}x{size[1]}, {camera}, caption {with_caption}, chart {with_chart}"
                    boxes = drawn_boxes(view, plotter.renderer)
                    wall, context = word_boxes(view, plotter.renderer)
                    words = np.concatenate([wall, context]) if camera != "slab:out" else np.zeros((0, 4))
                    assert_apart(boxes, words, size, where)
                    # none is left out to keep the rest apart where a hall would see it
                    needed = {"hud", "banner"} | ({"captions"} if with_caption else set())
                    if size[1] >= 1080:
                        needed |= {"legend"} | ({"chart"} if with_chart else set())
                    assert needed <= set(boxes), f"{sorted(needed - set(boxes))} left out {where}"
    finally:
        plotter.close()


def test_the_legend_lists_only_what_the_view_shows():
    from cube_viz.scene.legend import legend_text

    everything = ("reflectors", "biases", "rays", "gel", "waves", "wall")
    still, moving = legend_text(everything), legend_text(everything, (4.0, True))
    assert "ray = " in still and "gel dot" in still and "glow = " not in still
    assert moving.startswith(still) and "glow = " in moving and "cyan" in moving and "x4" in moving
    bare = legend_text(("wall",), (1.0, False))
    assert "ray" not in bare and "plate" not in bare and "glow" not in bare and "wall = " in bare
    assert legend_text(()) == ""


def test_a_wrapped_legend_keeps_each_sign_with_its_colour():
    """No wrapping of the legend starts a line with a sign ("-, bright and wide" reads as a bullet point) or
    splits a two-word name ("small / plate", "green / word") or "up or down" (a lone "down" read as a new entry)."""
    from cube_viz.render.overlays import INDENT, WIDTHS
    from cube_viz.scene.legend import legend_text

    text = legend_text(("reflectors", "biases", "rays", "gel", "waves", "wall"), (4.0, True))
    for version in wrappings(text, WIDTHS["legend"], INDENT["legend"]):
        lines = version.splitlines()
        assert not [ln for ln in lines if ln.strip()[:1] in "+-"], version
        pairs = ("small", "plate"), ("gold", "word"), ("green", "word"), ("up", "or"), ("or", "down")
        assert not [(a, b) for a, b in pairwise(lines) for x, y in pairs
                    if a.rstrip().endswith(x) and b.strip().startswith(y)], version


def test_the_layout_slides_shrinks_wraps_and_drops():
    """The pure layout: an overlay slides away from its corner past what is in the way, then tries smaller
    scales and narrower variants, and is left out where nothing fits."""
    fixed = lambda w, h: lambda v, s: (w * s, h * s)  # noqa: E731
    size = (1000, 500)
    words = np.array([[300, 0, 700, 500]])  # the wall, in the middle
    a = Overlay("a", "upper_left", fixed(250, 200))
    b = Overlay("b", "upper_left", fixed(250, 200))  # below a
    c = Overlay("c", "lower_left", fixed(250, 100))  # no room left at full size: smaller
    d = Overlay("d", "upper_right", fixed(400, 100), floor=0.9)  # too wide for the right gutter: left out
    placed = layout(size, [a, b, c, d], words, gap=10)
    assert placed["a"].box == (10, 290, 260, 490) and placed["b"].box == (10, 80, 260, 280)
    assert placed["c"].scale == 0.6 and placed["c"].box == (10, 10, 160, 70)
    assert "d" not in placed
    boxes = [p.box for p in placed.values()]
    assert not any(meet(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1:])
    # a narrower variant before a smaller scale for prose; the other way round for a table
    two = lambda v, s: ((300, 100), (200, 150))[v]  # noqa: E731
    assert layout(size, [Overlay("e", "lower_right", two, 2)], words, gap=10)["e"].variant == 1
    table = layout(size, [Overlay("e", "lower_right", lambda v, s: (300 * s, 100), 2, variant_cost=0.5)], words,
                   gap=10)["e"]
    assert table.variant == 0 and table.scale < 1
    # the cube is kept clear of where there is room beside it, not where there is none
    cube = (250, 0, 750, 500)
    beside = layout(size, [Overlay("f", "upper_left", fixed(200, 100))], words, cube, gap=10)["f"]
    assert beside.box[2] <= 250 - 10 + 1e-9 and beside.scale == 1
    over = layout(size, [Overlay("h", "upper_left", fixed(280, 100), floor=1.0)], words, cube, gap=10)["h"]
    assert over.scale == 1 and over.box[2] <= 300  # over the cube's edge, clear of the words
    # obstacles off the frame (a close-up's cube and words, projected) never lead a box off it
    off = np.array([[-100, -900, 400, -20], [-100, 520, 400, 900]])
    for corner in ("lower_left", "upper_left"):
        box = layout(size, [Overlay("g", corner, fixed(200, 100))], off, (-5000, -5000, 5000, 5000), gap=10)["g"].box
        assert box[1] >= 10 and box[3] <= 490, f"{corner}: {box} leaves the frame"


def test_captions_wrap_at_spaces_keeping_every_word():
    caption = "Step after step, sentence after sentence: one pass over them all is an epoch.\nNo single step is large."
    versions = wrappings(caption, (56, 30))
    assert versions[0] == caption and len(versions) == 3
    for text, width in zip(versions[1:], (56, 30), strict=True):
        assert max(len(line) for line in text.splitlines()) <= width
        assert text.split() == caption.split()
    assert wrap("a b", 10) == "a b"
    widowed = "A prompt enters from the front as light.\nEach ray carries one input times one weight, slab by slab."
    for width in (56, 44, 35, 28):  # a paragraph's last line is never one word alone
        assert " " in wrap(widowed, width).splitlines()[-1].replace("\u00a0", " "), wrap(widowed, width)


def test_the_text_panels_hide_what_lies_behind_them(scene):
    """Each text panel (HUD, banner, caption, legend) drawn over a black and over a white background, the
    cube seen from far off (small in the middle: the panels lie over the background alone): its pixels may
    differ by at most 3% of the background's change (the backdrop lets nothing through), and over white its
    text stands out from its backdrop at 10:1 or more (WCAG contrast). With 80% backdrops a close-up's
    plates showed through the legend; over white 20% came through and the legend's text stood at 7.6:1."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.base import text_box
    from cube_viz.render.view import grab, offscreen_plotter, set_camera
    from tests.render.test_legible import luminance

    spec, frame, caption, _ = scene
    size = (1280, 720)
    panels = ("hud", "banner", "captions", "legend")
    images, boxes = {}, {}
    for background in ("black", "white"):
        plotter = offscreen_plotter(size)
        try:
            plotter.renderer.GradientBackgroundOff()
            plotter.set_background(background)
            view = CubeView(plotter, spec, text_scale=size[1] / 1080)
            view.update(replace(frame, caption=caption))
            set_camera(plotter, spec.lattice, "iso")
            plotter.camera.parallel_scale *= 8
            images[background] = grab(plotter).astype(int)
            actors = {"hud": view["hud"].text, "banner": view["hud"].banner, "captions": view["captions"].text,
                      "legend": view["legend"].text}
            boxes = {name: text_box(actor, plotter.renderer) for name, actor in actors.items()}
        finally:
            plotter.close()
    assert set(boxes) == set(panels)
    for name, (left, right, bottom, top) in boxes.items():
        inside = np.s_[size[1] - int(top) + 1:size[1] - int(bottom) - 1, int(left) + 1:int(right) - 1]
        black, white = images["black"][inside], images["white"][inside]
        assert black.size > 1000, f"{name} drew no panel"
        through = np.abs(white - black).max() / 255
        assert through <= 0.03, f"{through:.0%} of the background shows through the {name}'s backdrop"
        lum = np.sort(luminance(white.reshape(-1, 3)))
        text, ground = lum[-max(1, len(lum) // 50):].mean(), np.median(lum)
        ratio = (text + 0.05) / (ground + 0.05)
        assert ratio >= 10, f"the {name}'s text at {ratio:.1f}:1 over its backdrop"
