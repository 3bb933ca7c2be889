"""A name under each slab ("embedding", "hidden 1", ..., "output"; the transformer's blocks), so that a hall can
follow the light: along the cube's lower right edge, just below the glass, like the ticks of an axis along the
light. Inside the cube the names stood over the wall's words wherever the wall showed behind them."""

from __future__ import annotations

import numpy as np
import vtk

from cube_viz.render.elements.base import Element, anchor, anchored_text, drop_clear, font_size
from cube_viz.render.view import drawn_depths
from cube_viz.scene.lattice import axis_labels, group_title, slab_title

FONT, TITLE_FONT = 18, 30  # points at scale 1: a name under its slab, a close-up's title
LABELS_APART = 0.95  # the names show while the view is more than ~18 degrees off the light's axis
BELOW = 1.05  # every name this many of the cube's half sizes below its middle: just under the glass
TITLE_AT = 0.8  # in a close-up, its slab's name this far up from the view's middle to its top edge


class SlabLabels(Element):
    """Plain text actors anchored at a world point, drawn over the scene: pyvista's point labels place their
    text through a label-placement mapper that cost ~10 ms a frame on software GL. `names` are the names along
    the edge (scene.lattice.axis_labels), `title` a close-up's."""

    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        lat = spec.lattice
        self.names = []
        for text, y in axis_labels(lat):
            actor = self.label(text, f"slab-label-{len(self.names)}")
            anchor(actor, (lat.half_width, y, -BELOW * lat.half_width))  # one line along the light, in order
            self.names.append(actor)
        self.title = self.label("", "slab-title")
        self.text_scale = 1.0
        plotter.renderer.AddObserver("StartEvent", self._place)

    def label(self, text: str, name: str) -> vtk.vtkTextActor:
        """On a dark label, legible over the plates and the wall, hanging from the edge."""
        actor = self.add(anchored_text(self.plotter, name, "#e8eefc", opacity=0.8, hanging=True))
        actor.SetInput(text)
        return actor

    def _place(self, *_) -> None:
        """In a close-up, its slab's name at the top of the view (the others are cut away with their slabs);
        otherwise the names along the edge, shown only where the slabs stand apart on screen: looking along the
        light (front, or from behind) every name lands on the same spot and they print over each other; a name
        that would cover another drops a line below it, like a second row of ticks, or is left out."""
        near, far = drawn_depths(self.plotter)
        cam = self.plotter.camera
        closeup = bool(np.isfinite(near))
        inside = [s for s in self.spec.lattice.slabs if near <= s.y <= far] if closeup else []
        kept: list[tuple[float, float, float, float]] = []
        for actor in reversed(self.names):  # from the wall's end: where names crowd, the later one gives way
            actor.GetTextProperty().SetFontSize(font_size(FONT, self.text_scale))
            on = bool(self.shown and not closeup and abs(cam.direction[1]) < LABELS_APART)
            box = drop_clear(actor, self.plotter.renderer, kept, 1) if on else None
            actor.SetVisibility(box is not None)
            if box is not None:
                kept.append(box)
        self.title.SetVisibility(self.shown and bool(inside))
        if inside:
            d = np.asarray(cam.direction)  # unit, toward the focal point
            up = np.asarray(cam.up) - np.dot(cam.up, d) * d
            title = np.asarray(cam.focal_point) + up / np.linalg.norm(up) * cam.parallel_scale * TITLE_AT
            groups = {group_title(s.name) for s in inside} if self.spec.lattice.lanes else set()
            self.title.SetInput(groups.pop() if len(inside) > 1 and len(groups) == 1 else slab_title(inside[0].name))
            anchor(self.title, title)
            self.title.GetTextProperty().SetFontSize(font_size(TITLE_FONT, self.text_scale))

    def _apply(self) -> None:
        self._place()

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text_scale = text_scale  # the fonts are set as the names are placed, before each render
