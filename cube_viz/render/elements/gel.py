"""The gel between slabs: a dot at each hidden unit, coloured by what the activation did there."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.scene import palette
from cube_viz.scene.frame import Frame
from cube_viz.scene.gel import gel_positions

DOT = 12.0


class Gel(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.mesh = pv.PolyData(gel_positions(spec.lattice))
        self.mesh.point_data["rgb"] = np.zeros((self.mesh.n_points, 3), np.uint8)
        if self.mesh.n_points:  # a model with no hidden layer has no gel
            self.add(plotter.add_mesh(self.mesh, scalars="rgb", rgb=True, render_points_as_spheres=True, opacity=0.9,
                                      lighting=False, name="gel"))

    def update(self, frame: Frame) -> None:
        if frame.gel is not None and self.actors:
            self.mesh.point_data["rgb"][:] = palette.gel(frame.gel.gain)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        for actor in self.actors:
            actor.GetProperty().SetPointSize(DOT * line_scale)
