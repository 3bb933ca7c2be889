"""The gradient wave: a faint plane travelling back from the wall to the input face in a step's cycle."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.scene.frame import Frame

WIDTH = 3.0


class Wave(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        lat = spec.lattice
        side = 2 * lat.half_width
        self.mesh = pv.Plane(center=(0, lat.wall_y, 0), direction=(0, 1, 0), i_size=side, j_size=side)
        self.add(plotter.add_mesh(self.mesh, color="#ffd75e", opacity=0.07, show_edges=True, edge_color="#ffe9a0",
                                  lighting=False, name="wave"))
        self.present(False)

    def update(self, frame: Frame) -> None:
        y = None if frame.motion is None else frame.motion.wave_y
        self.present(y is not None)
        if y is not None:
            points = np.asarray(self.mesh.points).copy()
            points[:, 1] = y
            self.mesh.points[:] = points

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.actors[0].GetProperty().SetLineWidth(WIDTH * line_scale)
