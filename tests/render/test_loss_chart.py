"""The window's loss chart shows the losses it is given, their running mean and the epoch ends, in text a hall
can read and with its key off the curve."""

import itertools
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import pyvista as pv
import torch

from cube_viz.config import TrainConfig
from cube_viz.render.elements.chart import BUCKETS, SMOOTH, LossChart, envelope
from cube_viz.scene.frame import Losses
from cube_viz.scene.overlay_layout import meet
from tests.conftest import SMALL, trained_scene


def test_chart_lines_are_the_losses_their_running_mean_and_epoch_ends():
    rng = np.random.default_rng(0)
    losses = (3.0 + rng.normal(0, 0.3, 230)).astype(np.float32)
    bpe = 40  # the losses of steps 171 ... 400
    plotter = pv.Plotter(off_screen=True)
    chart = LossChart(plotter, vocab_size=256)
    plotter.show(auto_close=False)
    chart.update(np.arange(171, 401), losses, bpe)

    steps = np.arange(171, 401)
    # the dashed baseline: the loss of a model that gives all 256 words the same probability (torch the oracle)
    uniform = torch.nn.functional.cross_entropy(torch.zeros(1, 256), torch.tensor([7])).item()
    np.testing.assert_allclose(chart.uniform.y, [uniform, uniform], rtol=1e-6)
    np.testing.assert_array_equal(chart.uniform.x, [171, 400])
    np.testing.assert_array_equal(chart.raw.x, steps)
    np.testing.assert_allclose(chart.raw.y, losses, rtol=1e-6)
    expected = [losses[max(0, i - SMOOTH + 1): i + 1].astype(np.float64).mean() for i in range(len(losses))]
    np.testing.assert_allclose(chart.mean.y, expected, rtol=1e-6)
    np.testing.assert_array_equal(chart.epochs.x, [200, 240, 280, 320, 360, 400])
    np.testing.assert_allclose(chart.epochs.y, [expected[s - 171] for s in (200, 240, 280, 320, 360, 400)], rtol=1e-6)
    plotter.render()
    lo, hi = chart.chart.y_range
    assert 1.5 < lo <= losses.min() and losses.max() <= hi and uniform <= hi < uniform + 1  # fits losses, baseline
    x_lo, x_hi = chart.chart.x_range
    assert x_lo <= 171 and 400 + 0.02 * (400 - 171) < x_hi < 500  # room after the last step for its epoch mark

    long = (3.0 + rng.normal(0, 0.3, 5000)).astype(np.float32)
    long[777] = 9.0
    chart.update(np.arange(1001, 6001), long, bpe)  # the 5,000 losses the window is sent: thinned, spikes kept
    assert len(chart.raw.x) <= 2 * BUCKETS + 2 and len(chart.mean.x) <= 2 * BUCKETS + 2
    assert chart.raw.x[0] == 1001 and chart.raw.x[-1] == 6000
    assert np.isclose(chart.raw.y, 9.0).any() and np.isclose(chart.raw.y, long.min()).any()

    chart.update(np.arange(1, 31), losses[:30], bpe)  # after a reset: no epoch has ended yet
    assert not chart.epochs.visible
    plotter.render()
    x_lo, x_hi = chart.chart.x_range
    assert x_hi < 50  # the old run's marks no longer stretch the axis
    chart.update(np.arange(0, 1), losses[:1], bpe)  # a new run's first loss: no line yet, and none of the old run's
    assert not chart.raw.visible and not chart.mean.visible and not chart.epochs.visible
    plotter.close()


def test_chart_lines_and_marks_scale_with_the_view():
    plotter = pv.Plotter(off_screen=True)
    chart = LossChart(plotter, vocab_size=256, text_scale=1.0)
    thin, mark = chart.mean.line_width, chart.epochs.marker_size
    chart.rescale(2.0)  # a 4K still
    assert chart.mean.line_width == 2 * thin and chart.epochs.marker_size == 2 * mark
    plotter.close()


def test_a_long_line_keeps_every_run_s_lowest_and_highest_loss():
    rng = np.random.default_rng(1)
    losses = rng.gamma(2.0, 1.0, 5003)
    losses[1234] = 40.0  # a spike
    steps = np.arange(10, 10 + len(losses))
    x, y = envelope(steps, losses)
    assert len(x) <= 2 * BUCKETS + 2
    assert x[0] == steps[0] and x[-1] == steps[-1]
    assert np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(y, losses[x - 10])  # points of the line itself
    run = -(-len(losses) // BUCKETS)
    for start in range(0, len(losses), run):  # each run's lowest and highest loss is drawn
        part = losses[start: start + run]
        assert part.min() in y and part.max() in y
    assert 40.0 in y

    short_x, short_y = envelope(steps[:2 * BUCKETS], losses[:2 * BUCKETS])
    np.testing.assert_array_equal(short_x, steps[:2 * BUCKETS])  # short lines are drawn whole
    np.testing.assert_array_equal(short_y, losses[:2 * BUCKETS])


@pytest.fixture(scope="module")
def charted():
    """A small model with the default vocabulary (the wall the overlays keep clear of) and a run's losses."""
    _, spec, frame = trained_scene(TrainConfig(**SMALL), 20)
    steps = np.arange(1, 1201)
    return spec, replace(frame, losses=Losses(steps, 3 * np.exp(-steps / 150) + 2.5, 400))


def laid_out(spec, frame, size):
    """A still's plotter at `size` with every overlay laid out (the chart where the layout put it), and its view."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    plotter = offscreen_plotter(size)
    view = CubeView(plotter, spec, text_scale=size[1] / 1080)
    set_camera(plotter, spec.lattice, "iso")
    view.update(frame)
    grab(plotter)
    return plotter, view


def runs(rows: np.ndarray) -> list[int]:
    """The lengths of the runs of True in a (n,) bool array."""
    edges = np.flatnonzero(np.diff(np.r_[0, rows.astype(int), 0]))
    return list(edges[1::2] - edges[::2])


@pytest.mark.parametrize("size", [(1920, 1080), (1130, 960)], ids=["1080p", "window"])
def test_tick_labels_read_from_the_back_of_a_hall(charted, size):
    """The tick labels' digits, found on screen by painting them in the chart's background colour and seeing
    which pixels change, are at least 14 px tall in a 1080p still as the layout places the chart (22 points, the
    legend's size: 15 px), and as tall for its height in the window's view. At 15-point ticks they were
    9 px in a 1080p still and 8 in the window's view."""
    from cube_viz.render.view import grab

    plotter, view = laid_out(*charted, size)
    try:
        chart = view["chart"].chart.chart
        shown = grab(plotter).astype(int)
        for axis in (chart.x_axis, chart.y_axis):
            axis.GetLabelProperties().SetColor(chart.background_color.float_rgb)
        plotter.render()
        changed = np.abs(grab(plotter).astype(int) - shown).max(axis=2) > 60  # (H, W), rows top down
        changed = changed[::-1]  # rows bottom up, as display y runs
        (left, bottom), (_, top) = chart.GetPoint1(), chart.GetPoint2()  # the plot's corners
        below = runs(changed[:bottom, left + 10:].any(axis=1))  # the x axis's labels: one row of digits
        beside = runs(changed[bottom - 20:top + 20, :left].any(axis=1))  # the y axis's: a run a label
        x0, x1, _, _ = view["chart"].box()
        clipped = changed[:, int(x1) - 2:int(x1)].any() or changed[:, int(x0):int(x0) + 2].any()
    finally:
        plotter.close()
    least = 14 * size[1] / 1080
    assert not clipped, "a tick label runs into the chart's edge"
    assert len(below) == 1 and below[0] >= least, f"x tick labels {below} px tall, want {least:.1f}"
    assert len(beside) >= 3 and np.median(beside) >= least, f"y tick labels {beside} px tall, want {least:.1f}"


def test_the_key_stands_above_the_plot_not_over_the_curve(charted):
    """The key (its box painted magenta to find it) lies inside the chart's box and clear of the plot where
    the losses are drawn; inside the plot (its place before) it hid the curve's start or the epoch marks."""
    from cube_viz.render.view import grab

    plotter, view = laid_out(*charted, (1920, 1080))
    try:
        chart = view["chart"].chart.chart
        chart.GetLegend().GetBrush().SetColor(255, 0, 255, 255)
        plotter.render()
        image = grab(plotter).astype(int)[::-1]  # rows bottom up
        (left, bottom), (right, top) = chart.GetPoint1(), chart.GetPoint2()
        x0, x1, y0, y1 = view["chart"].box()
    finally:
        plotter.close()
    ys, xs = np.nonzero((image == (255, 0, 255)).all(axis=2))
    assert len(xs) > 1000, "the key is not drawn"
    key = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert x0 <= key[0] and key[2] <= x1 and y0 <= key[1] and key[3] <= y1, f"key {key} outside the chart's box"
    assert not meet(key, (left, bottom, right, top)), f"key {key} over the plot {(left, bottom, right, top)}"


def label_marks(chart, plotter):
    """(H, W) bool, rows bottom up: the pixels of the chart's tick labels (those that change when the labels
    are painted in the chart's background colour)."""
    from cube_viz.render.view import grab

    shown = grab(plotter).astype(int)
    colours = [axis.GetLabelProperties().GetColor() for axis in (chart.x_axis, chart.y_axis)]
    for axis in (chart.x_axis, chart.y_axis):
        axis.GetLabelProperties().SetColor(chart.background_color.float_rgb)
    plotter.render()
    changed = np.abs(grab(plotter).astype(int) - shown).max(axis=2) > 60
    for axis, colour in zip((chart.x_axis, chart.y_axis), colours, strict=True):
        axis.GetLabelProperties().SetColor(colour)
    return changed[::-1]


def words(marks: np.ndarray, join: int) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in (n,) marks, runs fewer than `join` apart joined (a label's digits)."""
    edges = np.flatnonzero(np.diff(np.r_[0, marks.astype(int), 0]))
    spans = [[a, b] for a, b in zip(edges[::2], edges[1::2], strict=True)]
    joined = spans[:1]
    for a, b in spans[1:]:
        if a - joined[-1][1] < join:
            joined[-1][1] = b
        else:
            joined.append([a, b])
    return [tuple(s) for s in joined]


@pytest.mark.parametrize("box, scale, steps", [((290, 235), 0.8, (1, 1618)), ((420, 340), 1.0, (3001, 8000)),
                                               ((210, 170), 0.5, (1, 1200)), ((840, 680), 2.0, (95001, 100000))],
                         ids=["window", "1080p", "540p", "4K"])
def test_both_axes_are_labelled_and_no_two_labels_run_together(box, scale, steps):
    """At the chart's sizes in the window, in 1080p, 540p and 4K stills, over short and long runs: at least
    two labels on each axis, the step labels at least half an em apart. (VTK's own ticks ran 22-point labels
    into one another, "1000 1200 1400"; its Wilkinson ticks left the window's step axis unlabelled.)"""
    from cube_viz.render.elements.chart import Chart
    from cube_viz.render.view import offscreen_plotter

    plotter = offscreen_plotter((1920, 1080), "preview")
    try:
        view = SimpleNamespace(vocab=[f"w{i}" for i in range(256)])
        chart = Chart(plotter, view, {})
        chart.chart.rescale(scale)
        chart.present(True)
        s = np.arange(steps[0], steps[1] + 1)
        chart.chart.update(s, 2.5 + 3 * np.exp(-(s - s[0]) / 150), 400)
        chart.place((1000, 100, 1000 + box[0], 100 + box[1]), scale)
        plotter.render()
        inner = chart.chart.chart
        marks = label_marks(inner, plotter)
        (left, bottom), _ = inner.GetPoint1(), inner.GetPoint2()
        em = inner.x_axis.tick_label_size
        top = inner.GetPoint2()[1]
    finally:
        plotter.close()
    xs = words(marks[100:bottom, left:1000 + box[0]].any(axis=0), round(0.3 * em))
    ys = words(marks[bottom - em:top + em, 1000:left].any(axis=1), 1)
    assert len(xs) >= 2 and len(ys) >= 2, f"{len(xs)} step labels, {len(ys)} loss labels"
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= 0.5 * em, f"step labels {gaps} px apart at {em} px"
