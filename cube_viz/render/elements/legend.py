"""How to read the cube, at the lower left: the encoding of every element the view shows, and of the motion
while it moves (scene/legend.py says which lines; render/overlays.py where and how large)."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, corner_text, font_size
from cube_viz.scene.frame import Frame
from cube_viz.scene.lanes import MASK
from cube_viz.scene.legend import legend_text

FONT = 22
EXPLAINED = ("reflectors", "biases", "rays", "gel", "waves", "wall")  # the elements the legend has lines for


class Legend(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.built = built  # the elements drawn before it: which of them are shown decides its lines
        self.text = self.add(corner_text(plotter, "lower_left", "#c8d2e6", "legend", backdrop=True))
        self.motion: tuple[float, bool] | None = None
        self.gates = False  # the frame draws the transformer's causal mask
        self.content = None  # as written; the text shown may be wrapped narrower
        self.refresh()

    def update(self, frame: Frame) -> None:
        m = frame.motion
        self.motion = None if m is None else (m.exaggeration, m.decaying)
        self.gates = frame.rays is not None and bool((frame.rays.kind == MASK).any())
        self.refresh()

    def refresh(self) -> None:
        """The lines for the elements shown now (an element may be hidden or shown between frames)."""
        shown = [name for name in EXPLAINED if name in self.built and self.built[name].shown]
        text = legend_text(shown, self.motion, bool(self.spec.lattice.lanes), self.gates,
                           len(self.spec.lattice.positions))
        if text != self.content:
            self.content = text
            self.text.SetInput(text)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
