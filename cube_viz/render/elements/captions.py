"""A storyboard's captions, in the gutter at the right of the cube (render/overlays.py places and wraps them)."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, corner_text, font_size
from cube_viz.scene.frame import Frame

FONT = 36


class Captions(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.text = self.add(corner_text(plotter, "upper_right", "#fff6d8", "captions", backdrop=True,
                                          flush_left=True))
        self.caption = ""  # as the storyboard wrote it; the text shown may be wrapped narrower

    def update(self, frame: Frame) -> None:
        caption = frame.caption or ""
        if caption != self.caption:
            self.caption = caption
            self.text.SetInput(caption)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
