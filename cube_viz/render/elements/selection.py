"""The plate picked in the window: white cross-hairs in its slab's plane, open in the middle so that the
plate shows (a dot hid its colour, and green is the true word's)."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.render.view import draw_over_scene

WIDTH = 3.0
CROSSHAIR = (0.7, 6.0)  # where the arms start and end, in lattice pitches from the plate (side 0.62)


class Selection(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        arms = np.array([[1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1]], np.float32)
        self._unit = np.stack([arms * CROSSHAIR[0], arms * CROSSHAIR[1]], axis=1).reshape(-1, 3)  # (8, 3)
        segments = np.column_stack([np.full(4, 2), np.arange(8).reshape(4, 2)])  # arm i: points 2i, 2i + 1
        self.mesh = pv.PolyData(self._unit.copy(), lines=segments)
        actor = self.add(plotter.add_mesh(self.mesh, color="white", lighting=False, pickable=False, name="selection"))
        draw_over_scene(actor)  # the plates around it would cut its arms
        self.present(False)

    def mark(self, at: np.ndarray | None) -> None:
        """Cross-hairs on the plate at world point `at` (3,); None: no mark."""
        self.present(at is not None)
        if at is not None:
            self.mesh.points[:] = np.asarray(at, np.float32) + self._unit

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.actors[0].GetProperty().SetLineWidth(WIDTH * line_scale)
