"""The cube: every element of the picture (render/elements), built once for a CubeSpec, updated in place
from each Frame."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyvista as pv

from cube_viz.render.elements import REGISTRY
from cube_viz.render.elements.base import Element
from cube_viz.render.overlays import Overlays
from cube_viz.scene.elements import ELEMENTS
from cube_viz.scene.frame import CubeSpec, Frame

PICKED = {"wall": "word", "reflectors": "reflector", "biases": "bias", "rays": "ray"}  # in this order: words are
# drawn over the slabs in front of them; a beam is picked where no plate is (between the slabs)


class CubeView:
    def __init__(self, plotter: pv.Plotter, spec: CubeSpec, text_scale: float = 1.0, hidden: Iterable[str] = ()):
        self.plotter, self.spec = plotter, spec
        self.elements: dict[str, Element] = {}
        for e in ELEMENTS:  # in drawing order; an element may look up those built before it
            self.elements[e.name] = REGISTRY[e.name](plotter, spec, self.elements)
        self.overlays = Overlays(plotter, spec, self.elements)  # lays out the texts and the chart each render
        for name in hidden:
            self.set_visible(name, False)
        self.rescale(text_scale)

    def __getitem__(self, name: str) -> Element:
        return self.elements[name]

    def update(self, frame: Frame) -> None:
        for element in self.elements.values():
            element.update(frame)

    def rescale(self, text_scale: float, line_scale: float | None = None) -> None:
        """Text, line widths and dot sizes for a view text_scale x 1080 pixels high: the picture keeps one
        composition at any size (a 720p projector, a 4K movie). line_scale (default text_scale): the same in
        device pixels, where a high-density screen has more of them than text's (dpi-scaled) points."""
        for element in self.elements.values():
            element.rescale(text_scale, text_scale if line_scale is None else line_scale)
        self.overlays.rescale(text_scale)

    def set_visible(self, name: str, on: bool) -> None:
        self.elements[name].shown = on

    def mark(self, at: np.ndarray | None) -> None:
        """Cross-hairs on the plate at world point `at` (3,) (a reflector's or a bias's centre); None: no mark."""
        self.elements["selection"].mark(at)

    def pick(self, x: int, y: int) -> tuple[str, int] | None:
        """What is drawn at display position (x, y): ("word", word id), ("reflector", i) or ("bias", i) in
        lattice order, ("ray", s) a segment of the frame's Rays, or None."""
        for name, kind in PICKED.items():
            element = self.elements[name]
            index = element.pick(x, y) if element.shown else None
            if index is not None:
                return kind, index
        return None
