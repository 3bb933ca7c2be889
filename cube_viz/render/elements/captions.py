"""A storyboard's captions at the lower right, moved above the legend where they would run under it."""

from __future__ import annotations

from cube_viz.render.elements.base import MARGIN, Element, corner_text, font_size, text_box
from cube_viz.scene.frame import Frame

FONT = 36


class Captions(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.legend = built["legend"]
        self.text = self.add(corner_text(plotter, "lower_right", "#fff6d8", "captions", backdrop=True))
        plotter.renderer.AddObserver("StartEvent", self._place)

    def update(self, frame: Frame) -> None:
        self.text.SetInput(frame.caption or "")

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text.GetTextProperty().SetFontSize(font_size(FONT, text_scale))

    def _place(self, *_) -> None:
        """At the bottom unless they would reach the legend (lower left), at any caption, text size and view
        size: then just above the legend's top. Measured before each render (two text measurements, ~0.01 ms:
        their layout is cached)."""
        renderer, position, legend = self.plotter.renderer, self.text.GetPositionCoordinate(), self.legend.text
        height = max(1, renderer.GetSize()[1])
        y = MARGIN
        if self.text.GetInput() and legend.GetVisibility() and legend.GetInput():
            position.SetValue(position.GetValue()[0], y)
            left, _, bottom, _ = text_box(self.text, renderer)
            _, right, _, top = text_box(legend, renderer)
            if left < right + MARGIN * height:
                y += (top - bottom + MARGIN * height) / height
        position.SetValue(position.GetValue()[0], y)
