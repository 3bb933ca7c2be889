"""A name under each slab ("embedding", "hidden 1", ..., "output"), so that a hall can follow the light: along
the cube's lower right edge, just below the glass, like the ticks of an axis along the light. Inside the cube
the names stood over the wall's words wherever the wall showed behind them."""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.render.elements.base import Element, font_size
from cube_viz.render.view import drawn_depths
from cube_viz.scene.lattice import slab_title

FONT, TITLE_FONT = 18, 30  # points at scale 1: a name under its slab, a close-up's title
LABELS_APART = 0.95  # the names show while the view is more than ~18 degrees off the light's axis
BELOW = 1.05  # every name this many of the cube's half sizes below its middle: just under the glass
TITLE_AT = 0.8  # in a close-up, its slab's name this far up from the view's middle to its top edge


class SlabLabels(Element):
    """Plain text actors anchored at a world point, drawn over the scene: pyvista's point labels place their
    text through a label-placement mapper that cost ~10 ms a frame on software GL."""

    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        lat = spec.lattice
        for slab in lat.slabs:
            actor = vtk.vtkTextActor()
            actor.SetInput(slab_title(slab.name))
            position = actor.GetPositionCoordinate()
            position.SetCoordinateSystemToWorld()
            position.SetValue(lat.half_width, slab.y, -BELOW * lat.half_width)  # one line along the light: in order
            prop = actor.GetTextProperty()
            prop.SetColor(pv.Color("#e8eefc").float_rgb)
            prop.BoldOn()
            prop.SetJustificationToCentered()
            prop.SetVerticalJustificationToTop()  # hanging from the edge
            prop.SetBackgroundColor(0.02, 0.03, 0.06)  # on a dark label: legible over the plates and the wall
            prop.SetBackgroundOpacity(0.8)
            plotter.add_actor(self.add(actor), name=f"slab-label-{slab.name}", reset_camera=False, pickable=False)
        self.homes = [a.GetPositionCoordinate().GetValue() for a in self.actors]
        self.text_scale = 1.0
        plotter.renderer.AddObserver("StartEvent", self._place)

    def _place(self, *_) -> None:
        """In a close-up, its slab's name at the top of the view (the others are cut away with their slabs);
        otherwise every name at its slab, shown only where the slabs stand apart on screen: looking along the
        light (front, or from behind) every name lands on the same spot and they print over each other."""
        near, far = drawn_depths(self.plotter)
        cam = self.plotter.camera
        if np.isfinite(near):
            d = np.asarray(cam.direction)  # unit, toward the focal point
            up = np.asarray(cam.up) - np.dot(cam.up, d) * d
            title = np.asarray(cam.focal_point) + up / np.linalg.norm(up) * cam.parallel_scale * TITLE_AT
            for actor, slab, home in zip(self.actors, self.spec.lattice.slabs, self.homes, strict=True):
                inside = near <= slab.y <= far
                actor.GetPositionCoordinate().SetValue(*(title if inside else home))
                actor.GetTextProperty().SetFontSize(font_size(TITLE_FONT if inside else FONT, self.text_scale))
                actor.SetVisibility(self.shown and inside)
            return
        for actor, home in zip(self.actors, self.homes, strict=True):
            actor.GetPositionCoordinate().SetValue(*home)
            actor.GetTextProperty().SetFontSize(font_size(FONT, self.text_scale))
        along = abs(np.asarray(cam.direction)[1])  # cos of the angle between view and light
        self.present(bool(along < LABELS_APART))

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text_scale = text_scale  # the fonts are set as the names are placed, before each render
