"""How to read the cube, at the lower left: the encoding of every element, and of the motion when it moves."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, corner_text, font_size
from cube_viz.scene.frame import Frame

FONT = 22
LEGEND = (  # one entry a line, none over ~60 characters: captions too wide for the rest move above it
    "HOW TO READ THE CUBE\n"
    "plate = one weight   small plate = one bias\n"
    "plate tilt and colour = its value (red +, blue -)\n"
    "ray = a_i x w_ji, strongest: warm +, cool -, bright = large\n"
    "gel dot: violet dims, green amplifies, grey passes\n"
    "wall = every word, as bright as its probability\n"
    "gold word = top guess   green word = true next word"
)


def motion_legend(exaggeration: float, decaying: bool) -> str:
    turn = "" if exaggeration == 1 else f"\nturns exaggerated x{exaggeration:g}, settling on the true weight"
    field = "\ncyan = pull of weight decay (stabilizing field)" if decaying else ""
    return f"\nglow = size of the gradient as the wave passes\nwhite = largest update or sign flip{field}{turn}"


class Legend(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.text = self.add(corner_text(plotter, "lower_left", "#c8d2e6", "legend", backdrop=True))
        self.text.SetInput(LEGEND)

    def update(self, frame: Frame) -> None:
        m = frame.motion
        self.text.SetInput(LEGEND + ("" if m is None else motion_legend(m.exaggeration, m.decaying)))

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
