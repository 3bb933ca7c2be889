"""The gel between slabs: a dot at each hidden unit, coloured by what the activation did there; in the record
look each in a soft glow, on a faint sheet across the cube half way from each hidden slab to the next."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.render.view import record_look
from cube_viz.scene import palette
from cube_viz.scene.frame import Frame
from cube_viz.scene.gel import gel_positions, sheet_depths

DOT, HALO = 12.0, 30.0  # pixels across in a view 1080 high: a bright dot in a soft glow
HALO_OPACITY, MEDIUM, MEDIUM_OPACITY = 0.3, "#8a7bd6", 0.12


def medium(spec) -> pv.PolyData:
    """A sheet across the cube at each gel layer's depth, through its units' dots, where the activation
    acts (a box filling the layer drew six faces over the view: ~4 ms a preview frame on software GL)."""
    h = spec.lattice.half_width
    sheets = [pv.Plane(center=(0.0, y, 0.0), direction=(0, 1, 0), i_size=2 * h, j_size=2 * h, i_resolution=1,
                       j_resolution=1) for y in sheet_depths(spec.lattice)]
    return pv.merge(sheets) if sheets else pv.PolyData()


class Gel(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.mesh = pv.PolyData(gel_positions(spec.lattice))
        self.mesh.point_data["rgb"] = np.zeros((self.mesh.n_points, 3), np.uint8)
        self.halo = None
        if self.mesh.n_points and record_look(plotter):  # the medium and the glows: the record look's
            self.add(plotter.add_mesh(medium(spec), color=MEDIUM, opacity=MEDIUM_OPACITY, lighting=False,
                                      pickable=False, name="gel-medium"))
            glow = self.mesh.copy(deep=False)  # the same points and colours (one array), drawn larger and faint
            self.halo = self.add(plotter.add_mesh(glow, scalars="rgb", rgb=True, render_points_as_spheres=True,
                                                  opacity=HALO_OPACITY, lighting=False, pickable=False,
                                                  name="gel-halo"))
        if self.mesh.n_points:  # a model with no hidden layer has no gel
            self.dots = self.add(plotter.add_mesh(self.mesh, scalars="rgb", rgb=True, render_points_as_spheres=True,
                                                  opacity=0.9, lighting=False, name="gel-dots"))

    def update(self, frame: Frame) -> None:
        if frame.gel is not None and self.actors:
            self.mesh.point_data["rgb"][:] = palette.gel(frame.gel.gain)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        if self.actors:
            self.dots.GetProperty().SetPointSize(DOT * line_scale)
        if self.halo is not None:
            self.halo.GetProperty().SetPointSize(HALO * line_scale)
