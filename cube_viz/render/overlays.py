"""The overlays laid out before each render from what they measure: the HUD, the help the window asks room
for, captions, the banner, the loss chart and the legend, clear of each other, of the wall's words (as
projected now, whatever the camera) and of the frame's edge. scene/overlay_layout.py decides; this module
measures (cached text boxes) and applies (position, font size, wrapped text, visibility).
"""

from __future__ import annotations

import time
from functools import lru_cache

import numpy as np
import vtk

from cube_viz.render.elements import captions, hud, legend
from cube_viz.render.elements.base import Element, font_size, text_box
from cube_viz.render.elements.glass import shell_bounds
from cube_viz.render.view import drawn_depths
from cube_viz.scene.overlay_layout import Overlay, Placed, layout, wrappings

variants_of = lru_cache(maxsize=256)(wrappings)  # (text, widths, indent) -> the text and its wrappings

GAP = 0.02  # of the view's height: between two overlays, and between one and the frame's edge (title-safe)
CHART = (420, 340)  # the loss chart's size in pixels at scale 1 in a view 1080 high, its key above the plot: as
# wide as the gutter beside the cube in a 16:9 iso still, where a 560-wide chart (and its text) was shrunk to 0.78
WIDTHS = {  # the widths (characters) a text may be wrapped to where it does not fit as written
    "hud": (30, 24), "captions": (56, 44, 35, 28, 23, 20), "banner": (24,), "legend": (44, 36, 30, 25)}
FLOOR = {"hud": 0.6, "help": 1.0, "captions": 0.6, "banner": 0.6, "chart": 0.6, "legend": 0.55}
CORNER = {"hud": "upper_left", "help": "upper_left", "captions": "upper_right", "banner": "upper_right",
          "chart": "lower_right", "legend": "lower_left"}
# prose and the legend wrap before they shrink much (text for a hall); the HUD's short lines shrink to its floor
VARIANT_COST = {"captions": 0.88, "legend": 0.92, "hud": 0.5, "banner": 0.5}
INDENT = {"hud": "  ", "legend": "  "}  # a table's continued entry is indented; prose is not
ELSEWHERE = {"hud": ("upper_right",), "help": ("upper_right",), "captions": ("lower_right",),
             "banner": ("upper_left",), "chart": ("lower_left",), "legend": ("lower_right",)}
ORDER = ("hud", "help", "captions", "banner", "chart", "legend")  # placed in this order: the first ones win


class TextMeasure:
    """The box (left, right, bottom, top relative to the anchor, backdrop included) of any text drawn with
    one actor's text property at any font size: vtkTextRenderer's, the box the actor itself reports
    (~0.03 ms a new text, then cached)."""

    def __init__(self, actor: vtk.vtkTextActor, plotter):
        self.prop = vtk.vtkTextProperty()
        self.prop.ShallowCopy(actor.GetTextProperty())  # justification and backdrop: what sets the box
        # the plotter, not its render window: a kept window outlives plotter.close() and, destroyed at exit
        # after the display has gone (Xvfb), ends the process with an X I/O error
        self.plotter, self.cache = plotter, {}

    def __call__(self, text: str, px: int) -> tuple[float, float, float, float]:
        key = (text, px)
        box = self.cache.get(key)
        if box is None:
            if len(self.cache) > 512:  # the HUD's text is new every step
                self.cache.clear()
            self.prop.SetFontSize(px)
            b = [0, 0, 0, 0]
            vtk.vtkTextRenderer.GetInstance().GetBoundingBox(self.prop, text, b, self.plotter.ren_win.GetDPI())
            box = self.cache[key] = tuple(float(v) for v in b)
        return box


def to_display(renderer, points: np.ndarray) -> np.ndarray:
    """(N, 2) display pixels of (N, 3) world points, through the camera's composite transform."""
    m = renderer.GetActiveCamera().GetCompositeProjectionTransformMatrix(renderer.GetTiledAspectRatio(), -1, 1)
    matrix = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
    clip = points @ matrix[:3, :3].T + matrix[:3, 3]  # (N, 3)
    w = points @ matrix[3, :3] + matrix[3, 3]  # (N,)
    ndc = clip[:, :2] / w[:, None]
    return (ndc + 1) / 2 * np.array(renderer.GetSize()) + np.array(renderer.GetOrigin())


def quad_boxes(renderer, points: np.ndarray) -> np.ndarray:
    """(N, 4) display boxes (left, bottom, right, top) of N quads given as (4N, 3) corners."""
    xy = to_display(renderer, np.asarray(points, np.float64)).reshape(-1, 4, 2)
    return np.concatenate([xy.min(axis=1), xy.max(axis=1)], axis=1)


class Overlays:
    """Places the overlays at the start of every render (a renderer StartEvent observer)."""

    def __init__(self, plotter, spec, elements: dict[str, Element]):
        self.plotter, self.spec, self.elements = plotter, spec, elements
        h, lg, cap = elements["hud"], elements["legend"], elements["captions"]
        # name: (element, actor, font at scale 1, the text as written)
        self.texts = {"hud": (h, h.text, hud.FONT, lambda: h.content),
                      "captions": (cap, cap.text, captions.FONT, lambda: cap.caption),
                      "banner": (h, h.banner, hud.FONT, lambda: h.banner_text),
                      "legend": (lg, lg.text, legend.FONT, lambda: lg.content)}
        self.measures = {name: TextMeasure(actor, plotter) for name, (_, actor, _, _) in self.texts.items()}
        for _, actor, _, _ in self.texts.values():
            actor.GetPositionCoordinate().SetCoordinateSystemToDisplay()
        x0, x1, y0, y1, z0, z1 = shell_bounds(spec)
        self.corners = np.array([[x, y, z] for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)], np.float64)
        self.requests: dict[str, tuple[float, float]] = {}  # name: (width, height) pixels the window places
        self.placed: dict[str, Placed] = {}
        self._key = None  # the inputs of the last layout
        self._words: np.ndarray | None = None
        self.text_scale = 1.0
        self.seconds = 0.0  # the last layout's cost, measuring included
        self.last_overlays: list[Overlay] = []  # what the last layout was asked to place
        plotter.renderer.AddObserver("StartEvent", self.place)

    def rescale(self, text_scale: float) -> None:
        self.text_scale = text_scale

    def request(self, name: str, size: tuple[float, float] | None) -> None:
        """Keep room for a box of `size` (display pixels) the caller draws itself (the window's help, below
        the HUD, over the wall if need be); None: no longer."""
        if size is None:
            self.requests.pop(name, None)
        else:
            self.requests[name] = size

    def keep_out(self) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        """(K, 4) boxes of the words drawn in the scene on screen now, and the cube's box: the wall's words
        (its spotlit two included) where the wall is drawn, the context words, the slab names and the guesses
        named at an edge-on wall."""
        renderer, wall = self.plotter.renderer, self.elements["wall"]
        corners = to_display(renderer, self.corners)  # (8, 2)
        cube_box = (*corners.min(axis=0), *corners.max(axis=0))
        near, far = drawn_depths(self.plotter)
        texts = [*self.elements["context"].actors, *self.elements["slab-labels"].actors, *wall.guesses]
        labels = [(left, bottom, right, top) for actor in texts if actor.GetVisibility()
                  for left, right, bottom, top in [text_box(actor, renderer)]]
        boxes = np.array(labels, np.float64).reshape(-1, 4)
        if not wall.shown or not near <= self.spec.lattice.wall_y <= far:  # hidden, or cut away (a close-up)
            return boxes, cube_box
        if self._words is None:  # the wall's quads never move (only the two spotlit ones do)
            self._words = np.asarray(wall.words.points, np.float64).copy()  # (4K, 3)
        points = np.concatenate([self._words, wall.top_word.points, wall.true_word.points])  # (4K + 8, 3)
        return np.concatenate([quad_boxes(renderer, points), boxes]), cube_box

    def _overlay(self, name: str, variants: tuple[str, ...], measure, points: float) -> Overlay:
        def size(v: int, s: float) -> tuple[float, float]:
            left, right, bottom, top = measure(variants[v], font_size(points, self.text_scale * s))
            return right - left, top - bottom

        return Overlay(name, CORNER[name], size, len(variants), FLOOR[name], elsewhere=ELSEWHERE[name],
                       variant_cost=VARIANT_COST[name])

    def place(self, *_) -> None:
        start = time.perf_counter()
        renderer = self.plotter.renderer
        width, height = renderer.GetSize()
        overlays, variants = [], {}
        for name in ORDER:
            if name in self.texts:
                element, actor, points, written = self.texts[name]
                if name == "legend":
                    element.refresh()  # an element may have been shown or hidden since the last frame
                text = written()
                if not (element.wanted and text):
                    actor.SetVisibility(False)
                    continue
                variants[name] = variants_of(text, WIDTHS[name], INDENT.get(name, ""))
                overlays.append(self._overlay(name, variants[name], self.measures[name], points))
            elif name == "chart":
                chart = self.elements["chart"]
                if chart.wanted:
                    w, h = (v * self.text_scale for v in CHART)
                    overlays.append(Overlay("chart", CORNER["chart"], lambda v, s, w=w, h=h: (w * s, h * s),
                                            floor=FLOOR["chart"], elsewhere=ELSEWHERE["chart"]))
            elif name in self.requests:
                w, h = self.requests[name]
                overlays.append(Overlay(name, CORNER[name], lambda v, s, w=w, h=h: (w, h), floor=FLOOR[name],
                                        over_wall=True, elsewhere=ELSEWHERE[name]))
        # what the layout depends on: the view, the camera, the wall, and each overlay's size at the try it
        # was given last (then the tries before it still do not fit: the same layout), or its content
        camera = self.plotter.renderer.GetActiveCamera()
        wall = self.elements["wall"]
        key = (width, height, camera.GetMTime(), wall.shown, self.text_scale,
               wall.top_word.points.tobytes(), wall.true_word.points.tobytes(),
               tuple(self._fingerprint(o, variants.get(o.name)) for o in overlays))
        if key != self._key:
            words, cube = self.keep_out()
            self.last_overlays = overlays
            self.placed = layout((width, height), overlays, words, cube, GAP * height)
            self._key = key
        for overlay in overlays:
            spot = self.placed.get(overlay.name)
            if overlay.name in self.texts:
                self._put_text(overlay.name, variants[overlay.name], spot)
            elif overlay.name == "chart":
                chart = self.elements["chart"]
                chart.chart.visible = spot is not None
                if spot is not None:
                    chart.place(spot.box, self.text_scale * spot.scale)
        self.seconds = time.perf_counter() - start

    def _fingerprint(self, overlay: Overlay, variants: tuple[str, ...] | None):
        """What of the overlay the layout depends on: its size where it was placed last (HUD texts change
        every step, their boxes seldom), else its content; its flags."""
        spot = self.placed.get(overlay.name)
        if overlay.name == "hud" and spot is not None and spot.variant < overlay.variants:
            return overlay.name, overlay.size(spot.variant, spot.scale), overlay.variants
        return overlay.name, variants, overlay.size(0, 1.0)

    def _put_text(self, name: str, variants: tuple[str, ...], spot: Placed | None) -> None:
        _, actor, points, _ = self.texts[name]
        actor.SetVisibility(spot is not None)
        if spot is None:
            return
        text, px = variants[spot.variant], font_size(points, self.text_scale * spot.scale)
        if actor.GetInput() != text:
            actor.SetInput(text)
        actor.GetTextProperty().SetFontSize(px)
        left, _, bottom, _ = self.measures[name](text, px)  # the box relative to the actor's anchor
        actor.GetPositionCoordinate().SetValue(spot.box[0] - left, spot.box[1] - bottom)
