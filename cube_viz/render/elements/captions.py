"""A storyboard's captions at the lower right, moved above the legend and the loss chart where they would
run under them."""

from __future__ import annotations

from cube_viz.render.elements.base import MARGIN, Element, corner_text, font_size, text_box
from cube_viz.scene.frame import Frame

FONT = 36


class Captions(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.legend, self.chart = built["legend"], built["chart"]
        self.text = self.add(corner_text(plotter, "lower_right", "#fff6d8", "captions", backdrop=True))
        plotter.renderer.AddObserver("StartEvent", self._place)

    def update(self, frame: Frame) -> None:
        self.text.SetInput(frame.caption or "")

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text.GetTextProperty().SetFontSize(font_size(FONT, text_scale))

    def _place(self, *_) -> None:
        """At the bottom unless they would run under the legend (lower left) or the loss chart (lower right),
        at any caption, text size and view size: then just above the highest of those they would meet.
        Measured before each render (two text measurements, ~0.01 ms: their layout is cached)."""
        renderer, position, legend = self.plotter.renderer, self.text.GetPositionCoordinate(), self.legend.text
        height = max(1, renderer.GetSize()[1])
        position.SetValue(position.GetValue()[0], MARGIN)
        if not self.text.GetInput():
            return
        left, right, bottom, _ = text_box(self.text, renderer)
        below = [self.chart.box(renderer)]
        if legend.GetVisibility() and legend.GetInput():
            below.append(text_box(legend, renderer))
        gap = MARGIN * height
        tops = [top for box in below if box is not None for b_left, b_right, _, top in [box]
                if b_left < right + gap and left < b_right + gap]  # boxes the captions would meet
        if tops:
            position.SetValue(position.GetValue()[0], MARGIN + (max(tops) - bottom + gap) / height)
