"""The glass shell around the lattice: faint faces and bright edges; in the record look the faces have a sheen
that brightens toward the top (lit from above, as the key light is) and the edges a soft glow."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.render.view import record_look

TINT, EDGE = "#9fc4ff", "#cfe0ff"
SHEEN = (0.02, 0.11)  # the faces' opacity at the bottom and at the top of the cube
EDGE_WIDTH, HALO_WIDTH, HALO_OPACITY = 1.5, 7.0, 0.18  # pixels in a view 1080 high


def shell_bounds(spec) -> tuple[float, ...]:
    """(xmin, xmax, ymin, ymax, zmin, zmax) of the glass: the cube, from the front face to the wall."""
    lat = spec.lattice
    h = lat.half_width
    return (-h, h, lat.front_y, lat.wall_y, -h, h)


def sheen(box: pv.PolyData) -> np.ndarray:
    """(n, 4) uint8 RGBA of the faces' points: the tint, more opaque the higher the point."""
    z = np.asarray(box.points)[:, 2]
    up = (z - z.min()) / max(float(np.ptp(z)), 1e-9)  # 0 at the bottom, 1 at the top
    rgba = np.empty((len(z), 4), np.uint8)
    rgba[:, :3] = pv.Color(TINT).int_rgb
    rgba[:, 3] = np.round(255 * (SHEEN[0] + (SHEEN[1] - SHEEN[0]) * up**2))
    return rgba


class Glass(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        bounds, rich = shell_bounds(spec), record_look(plotter)
        faces = pv.Box(bounds=bounds, level=6 if rich else 0)  # subdivided, so the sheen can vary up each face
        faces.point_data["rgba"] = sheen(faces)
        self.add(plotter.add_mesh(faces, scalars="rgba", rgba=True, lighting=False, pickable=False, name="glass"))
        edges = pv.Box(bounds=bounds).extract_feature_edges()
        self.halo = self.add(plotter.add_mesh(edges, color=TINT, opacity=HALO_OPACITY, lighting=False,
                                              pickable=False, name="glass-halo")) if rich else None
        self.edges = self.add(plotter.add_mesh(edges, color=EDGE, lighting=False, pickable=False, name="glass-edges"))

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.edges.GetProperty().SetLineWidth(EDGE_WIDTH * line_scale)
        if self.halo is not None:
            self.halo.GetProperty().SetLineWidth(HALO_WIDTH * line_scale)
