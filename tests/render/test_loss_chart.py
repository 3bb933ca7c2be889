"""The window's loss chart shows the losses it is given, their running mean and the epoch ends."""

import numpy as np
import pyvista as pv
import torch

from cube_viz.render.elements.chart import BUCKETS, SMOOTH, LossChart, envelope


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
    assert x_lo <= 171 and 400 <= x_hi < 500

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
