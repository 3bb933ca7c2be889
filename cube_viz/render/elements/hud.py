"""The HUD (step, loss, the context read, the prediction) at the upper left, and a banner at the upper right
(an epoch beginning, the scrubbed past); render/overlays.py places them."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, corner_text, font_size
from cube_viz.scene.facts import hud_text
from cube_viz.scene.frame import Frame

FONT = 28  # the HUD's and the banner's (each on a dark panel: a narrow view puts them over the cube)


class Hud(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.text = self.add(corner_text(plotter, "upper_left", "white", "hud", backdrop=True))
        self.banner = self.add(corner_text(plotter, "upper_right", "#fff6d8", "banner", backdrop=True))
        self.content = self.banner_text = ""  # as written; the texts shown may be wrapped narrower

    def update(self, frame: Frame) -> None:
        self.content, self.banner_text = hud_text(frame, self.spec.vocab), frame.banner or ""
        self.text.SetInput(self.content)
        self.banner.SetInput(self.banner_text)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        for actor in self.actors:
            actor.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
