"""A storyboard's highlight: a magenta box around a layer, the wall, the rays, one reflector or a transformer
block's attention zone (magenta: a hue nothing else in the picture means; scene.palette)."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element
from cube_viz.scene import palette
from cube_viz.scene.frame import CubeSpec, Frame

WIDTH = 3.0


def highlight_bounds(spec: CubeSpec, what: str) -> tuple[float, ...]:
    """World bounds (xmin, xmax, ymin, ymax, zmin, zmax) of a storyboard highlight."""
    lat = spec.lattice
    pad = np.full(3, 1.5)
    if what == "wall":  # the words' cells, not only their centres
        p = spec.wall.positions
        pad = np.array([spec.wall.cell[0] / 2, 1.5, spec.wall.cell[1] / 2])
    elif what.startswith("attention:"):  # from V to O across the cube: where the heads' light crosses the lanes
        block = what.split(":", 1)[1]
        h = lat.half_width
        p = np.array([[-h, lat.slab(f"{block}.attn.v").y, -h], [h, lat.slab(f"{block}.attn.o").y, h]])
        pad = np.array([0.0, 0.5, 0.0])
    elif what == "rays":
        p = np.array([[-lat.half_width, lat.front_y, -lat.half_width], [lat.half_width, lat.wall_y, lat.half_width]])
    elif what.startswith("layer:"):
        slab = next(s for s in lat.slabs if s.name == what.split(":", 1)[1])
        p = lat.positions[slab.weights]
    else:  # reflector:LAYER:ROW:COL
        _, layer, row, col = what.split(":")
        slab = next(s for s in lat.slabs if s.name == layer)
        p = lat.positions[slab.weights][int(row) * slab.cols + int(col)][None, :]
        pad = np.array([0.5, 0.05, 0.5]) * slab.pitch  # a flat frame in the gaps round the plate, one square from
        # any side (a deeper box, seen level, was two squares side by side over its neighbours)
    lo, hi = p.min(axis=0) - pad, p.max(axis=0) + pad
    return (lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])


class Highlight(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        self.mesh = pv.Box(bounds=(-1, 1, -1, 1, -1, 1)).extract_feature_edges()
        self._unit = np.asarray(self.mesh.points).copy()
        self.add(plotter.add_mesh(self.mesh, color=palette.HIGHLIGHT / 255, lighting=False, name="highlight"))
        self.present(False)

    def update(self, frame: Frame) -> None:
        self.present(frame.highlight is not None)
        if frame.highlight is not None:
            bounds = highlight_bounds(self.spec, frame.highlight)
            lo, hi = np.asarray(bounds[0::2]), np.asarray(bounds[1::2])
            self.mesh.points[:] = (lo + hi) / 2 + self._unit * (hi - lo) / 2

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.actors[0].GetProperty().SetLineWidth(WIDTH * line_scale)
