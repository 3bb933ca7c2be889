"""The HUD (step, loss, the context read, the prediction) at the upper left, and a banner at the upper right
(an epoch beginning, the scrubbed past)."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, corner_text, font_size
from cube_viz.scene.facts import hud_text
from cube_viz.scene.frame import Frame

FONT = 28  # the banner at the HUD's size: one line of it, beside the HUD's first line, never meets its second


class Hud(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.text = self.add(corner_text(plotter, "upper_left", "white", "hud"))
        self.banner = self.add(corner_text(plotter, "upper_right", "#fff6d8", "banner"))

    def update(self, frame: Frame) -> None:
        self.text.SetInput(hud_text(frame, self.spec.vocab))
        self.banner.SetInput(frame.banner or "")

    def rescale(self, text_scale: float, line_scale: float) -> None:
        for actor in self.actors:
            actor.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
