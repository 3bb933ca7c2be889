"""The loss chart in the window's view: every step's loss, faint grey-blue; its running mean, bright orange; a
lilac diamond at the end of each epoch; a dashed line at the loss of a uniform guess (ln V), where training
starts. Light text on the dark scene, as large as the legend's (read from the back of a hall), and the key
above the plot, never over the curve."""

from __future__ import annotations

import time

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element, font_size
from cube_viz.render.elements.legend import FONT as LEGEND_FONT
from cube_viz.scene.frame import Frame

SMOOTH = 50  # steps in the running mean
BUCKETS = 500  # a line keeps the lowest and highest point of each of this many runs of steps: the chart is
# ~400 pixels wide in the window, and its 5,000-point lines cost ~10 ms a frame to draw on software GL
TEXT, GRID = (0.85, 0.88, 0.95), (0.45, 0.5, 0.6, 0.35)
WIDTHS = {"uniform": 1.5, "raw": 1.0, "mean": 3.0, "cursor": 2.0}  # pixels in a view 1080 high
DIAMOND = 15.0  # the epoch marks' size, likewise
# points at scale 1 (a view 1080 high), shrunk with the chart as the layout shrinks every overlay: the tick
# labels and the key as large as the legend's text (at 15 and 14 the digits were 9 px in a 1080p still)
FONTS = {"title": LEGEND_FONT, "ticks": LEGEND_FONT, "key": LEGEND_FONT}
MARGIN = 44.0  # pixels right of the plot (and above it, the key's padding aside): half a 6-digit tick label
HEADROOM = 0.06  # of the losses' span, below the lowest and above the highest drawn
STEP_ROOM = 0.03  # of the steps' span, right of the last: an epoch's mark there was cut in half by the frame
# ticks at round values as far apart as their labels need: VTK's own ran 22-point labels together ("1000 1200
# 1400"), and its Wilkinson ticks left an axis unlabelled in narrow charts. In ems of the tick labels' font:
DIGIT, X_GAP, Y_PITCH = 0.56, 0.6, 1.6  # a digit's width, the room between two x labels, between two y labels'
# centres; the plot's size is estimated from the chart's (the axes' titles and labels, the key above it):
PLOT_LEFT, PLOT_BELOW, PLOT_ABOVE = 3.2, 3.0, 3.6  # ems of the chart's box beside and below the plot, above it
KEY_SYMBOL, KEY_PADDING = 40.0, 6.0  # the key's sample of a line (long enough to show dashes), its margin: pixels


def running_mean(values: np.ndarray, n: int) -> np.ndarray:
    """(len,) the mean of each value and the (up to) n - 1 values before it."""
    total = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    i = np.arange(1, len(values) + 1)
    start = np.maximum(i - n, 0)
    return (total[i] - total[start]) / (i - start)


def nice_step(least: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `least` (> 0)."""
    power = 10.0 ** np.floor(np.log10(least))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= least * (1 - 1e-9))


def round_ticks(lo: float, hi: float, least: float) -> np.ndarray:
    """(k,) the multiples in [lo, hi] of the nice step at least `least` apart."""
    step = nice_step(least)
    return np.arange(np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9) + 1) * step


def envelope(x: np.ndarray, y: np.ndarray, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """The points of a line worth drawing at ~`buckets` pixels wide: all of them when there are at most
    2 * buckets; otherwise the first, the last, and the lowest and highest point of each run of
    ceil(n / buckets) points (at most `buckets` runs), in step order, so that every peak and dip stays on
    the chart. (m,) x and y, a subset of the points (losses are finite: training stops at a NaN)."""
    n = len(y)
    if n <= 2 * buckets:
        return x, y
    run = -(-n // buckets)  # points per run (the last run may be short: its index repeats the last point)
    idx = np.minimum(np.arange(buckets * run).reshape(buckets, run), n - 1)  # (buckets, run)
    rows = np.arange(buckets)
    keep = np.unique(np.concatenate([[0, n - 1], idx[rows, y[idx].argmin(1)], idx[rows, y[idx].argmax(1)]]))  # sorted
    return x[keep], y[keep]


class LossChart:
    def __init__(self, plotter: pv.Plotter, vocab_size: int, text_scale: float = 1.0):
        self.chart = pv.Chart2D(size=(0.32, 0.26), loc=(0.66, 0.04), x_label="step", y_label="loss (nats)")
        self.chart.background_color = (0.05, 0.07, 0.12, 1.0)  # opaque: cube edges behind it looked like data
        for axis in (self.chart.x_axis, self.chart.y_axis):
            axis.pen.color = TEXT
            axis.grid_pen.color = GRID
            axis.GetTitleProperties().SetColor(TEXT)
            axis.GetLabelProperties().SetColor(TEXT)
        # the loss of a model that gives every word the same probability: where training starts from
        self.uniform_loss = float(np.log(vocab_size))
        # the keys' labels start with a space: VTK sets a label flush against its symbol ("- - -uniform")
        self.uniform = self.chart.line([0, 1], [self.uniform_loss] * 2, color=(0.75, 0.8, 0.9, 0.8), style="--",
                                       label=f" uniform guess, ln {vocab_size}")
        self.raw = self.chart.line([0, 1], [0, 0], color=(0.62, 0.68, 0.86, 0.45))
        self.mean = self.chart.line([0, 1], [0, 0], color="#ffb347")
        self.raw.visible = self.mean.visible = False  # until there are two losses to join
        # lilac, not the true word's green
        self.epochs = self.chart.scatter([0], [0], color="#c9b8ff", style="d", label=" epoch end")
        self.epochs.visible = False  # until an epoch ends in the charted steps
        self.cursor = self.chart.line([0, 0], [0, 1], color="white")  # the step a scrubbed view shows
        self.cursor.visible = False
        self._span = (0.0, 1.0)  # lowest and highest loss charted
        self._steps = (0.0, 1.0)  # first and last step charted
        self._ticks = None  # the x and y ticks set last
        legend = self.chart.GetLegend()  # above the plot, which shrinks to make room: never over the curve
        legend.SetInline(False)
        legend.SetHorizontalAlignment(legend.CENTER)
        legend.SetVerticalAlignment(legend.TOP)
        legend.GetBrush().SetColor(13, 18, 31, 230)
        legend.GetLabelProperties().SetColor(TEXT)
        self.chart.legend_visible = True
        self.rescale(text_scale)
        plotter.add_chart(self.chart)

    def rescale(self, text_scale: float) -> None:
        """Text, lines and marks for a view text_scale x 1080 pixels high (the chart is a fixed share of it)."""
        for name, width in WIDTHS.items():
            getattr(self, name).line_width = width * text_scale
        self.epochs.marker_size = DIAMOND * text_scale
        for axis in (self.chart.x_axis, self.chart.y_axis):
            axis.label_size = font_size(FONTS["title"], text_scale)
            axis.tick_label_size = font_size(FONTS["ticks"], text_scale)
        legend = self.chart.GetLegend()
        legend.SetLabelSize(font_size(FONTS["key"], text_scale))
        legend.SetSymbolWidth(round(KEY_SYMBOL * text_scale))
        legend.SetPadding(round(KEY_PADDING * text_scale))
        self.chart.SetHiddenAxisBorder(round(MARGIN * text_scale))
        self.fit_ticks()

    def fit_ticks(self) -> None:
        """Ticks at round steps and losses, as many as their labels have room for at the chart's size and font
        (set anew only where they change: a new set lays the chart out again)."""
        _, _, width, height = self.chart._geometry
        em = self.chart.x_axis.tick_label_size  # pixels (points at 72 dpi)
        (x0, x1), (y0, y1) = self._steps, self.chart.y_axis.range
        plot_w = max(width - PLOT_LEFT * em - self.chart.GetHiddenAxisBorder(), em)
        plot_h = max(height - (PLOT_BELOW + PLOT_ABOVE) * em, em)
        label = (len(str(int(max(abs(x0), abs(x1))))) * DIGIT + X_GAP) * em  # the widest label and a gap
        xs = round_ticks(x0, x1, label * (x1 - x0) / plot_w)
        ys = round_ticks(y0, y1, Y_PITCH * em * (y1 - y0) / plot_h)
        ticks = (tuple(xs), tuple(ys))
        if ticks != self._ticks:
            self._ticks = ticks
            self.chart.x_axis.tick_locations, self.chart.x_axis.tick_labels = xs, [f"{v:.0f}" for v in xs]
            self.chart.y_axis.tick_locations, self.chart.y_axis.tick_labels = ys, [f"{v:g}" for v in ys]

    @property
    def visible(self) -> bool:
        return self.chart.visible

    @visible.setter
    def visible(self, on: bool) -> None:
        self.chart.visible = on

    def show_step(self, step: int | None) -> None:
        """A vertical line at the step the view shows while history is scrubbed; None (live): no line."""
        self.cursor.visible = step is not None
        if step is not None:
            self.cursor.update([step, step], self._span)

    def update(self, steps: np.ndarray, losses: np.ndarray, batches_per_epoch: int) -> None:
        """losses: (n,) the losses of (n,) increasing steps (every step in training; a run recording's records)."""
        self.raw.visible = self.mean.visible = len(losses) >= 2  # one loss is no line (and a new run's first)
        if len(losses) < 2:
            self.epochs.visible = False
            return
        steps = np.asarray(steps)
        losses = np.asarray(losses, np.float64)
        mean = running_mean(losses, SMOOTH)
        self.uniform.update([steps[0], steps[-1]], [self.uniform_loss] * 2)
        self.raw.update(*envelope(steps, losses))
        self._span = (float(losses.min()), float(losses.max()))
        self.mean.update(*envelope(steps, mean))
        ends = steps % batches_per_epoch == 0
        self.epochs.visible = bool(ends.any())  # hidden, old marks would stretch the axes (after a reset)
        if ends.any():
            self.epochs.update(steps[ends], mean[ends])
        # the step axis from the first step to the last (and STEP_ROOM on); the loss axis from the lowest loss to
        # the uniform guess's (or a higher loss), a margin of HEADROOM either side, so that the dashed line does
        # not run along the plot's frame
        self._steps = (float(steps[0]), float(steps[-1]))
        first, last = self._steps
        self.chart.x_axis.range = [first, last + STEP_ROOM * (last - first)]
        low, high = self._span[0], max(self._span[1], self.uniform_loss)
        margin = HEADROOM * max(high - low, 1e-6)
        self.chart.y_axis.range = [low - margin, high + margin]
        self.fit_ticks()
        self.chart.RecalculateBounds()  # pyvista does this only in plotter.render(); the window paints instead


class Chart(Element):
    """The loss chart as an element of the picture: drawn where a frame carries losses (the window, movies).
    `min_seconds`: the lines are redrawn at most this often (a redraw costs ~10 ms; the window sets 0.25)."""

    min_seconds = 0.0

    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.chart = LossChart(plotter, len(spec.vocab))
        self._drawn, self._drawn_at = None, -np.inf  # the Losses drawn last, and when (perf_counter)
        self.pending = False  # losses came that min_seconds kept from being drawn yet: draw the frame again
        self._text_scale = 1.0  # its text's scale as last placed
        self.present(False)

    def update(self, frame: Frame) -> None:
        self.present(frame.losses is not None)
        if not self.shown:  # nothing to pay for; drawn afresh when shown again
            return
        now = time.perf_counter()
        self.pending = frame.losses is not None and frame.losses is not self._drawn
        if self.pending and now - self._drawn_at >= self.min_seconds:
            self.chart.update(frame.losses.steps, frame.losses.values, frame.losses.batches_per_epoch)
            self._drawn, self._drawn_at, self.pending = frame.losses, now, False
        self.chart.show_step(frame.chart_step)

    @property
    def due(self) -> bool:
        """Losses wait to be drawn and min_seconds have passed: a still view should be drawn again for them."""
        return self.pending and time.perf_counter() - self._drawn_at >= self.min_seconds

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self._text_scale = text_scale
        self.chart.rescale(text_scale)

    def place(self, box: tuple[float, float, float, float], text_scale: float) -> None:
        """Draw the chart in `box` (left, bottom, right, top display pixels), its text and lines for a view
        text_scale x 1080 pixels high (the layout's scale already in it)."""
        left, bottom, right, top = (round(v) for v in box)
        width, height = self.plotter.renderer.GetSize()
        chart = self.chart.chart
        # pyvista refits the chart to loc and size (int(fraction * pixels)) whenever its size differs from
        # theirs: set all three, the fractions half a pixel up so that they truncate to the same pixels
        chart._loc = ((left + 0.5) / width, (bottom + 0.5) / height)
        chart._size = ((right - left + 0.5) / width, (top - bottom + 0.5) / height)
        if tuple(chart._geometry) != (left, bottom, right - left, top - bottom):
            chart._geometry = (left, bottom, right - left, top - bottom)
            self.chart.fit_ticks()
        if text_scale != self._text_scale:
            self._text_scale = text_scale
            self.chart.rescale(text_scale)

    def box(self) -> tuple[float, float, float, float] | None:
        """(left, right, bottom, top) in display pixels where the chart is drawn; None where it is not."""
        if not self.chart.visible:
            return None
        x, y, w, h = self.chart.chart._geometry
        return x, x + w, y, y + h

    def _apply(self) -> None:
        self.chart.visible = self._shown and self._present
