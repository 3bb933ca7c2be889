"""The glass shell around the lattice: faint faces and brighter edges."""

from __future__ import annotations

import pyvista as pv

from cube_viz.render.elements.base import Element

EDGE_WIDTH = 1.5


def shell_bounds(spec) -> tuple[float, ...]:
    """(xmin, xmax, ymin, ymax, zmin, zmax) of the glass: the cube, from the front face to the wall."""
    lat = spec.lattice
    h = lat.half_width
    return (-h, h, lat.front_y, lat.wall_y, -h, h)


class Glass(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        box = pv.Box(bounds=shell_bounds(spec))
        self.add(plotter.add_mesh(box, color="#9fc4ff", opacity=0.05, lighting=False, name="glass"))
        self.edges = self.add(plotter.add_mesh(box.extract_feature_edges(), color="#b9d4ff", lighting=False,
                                               name="glass-edges"))

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.edges.GetProperty().SetLineWidth(EDGE_WIDTH * line_scale)
