"""Light rays: one line per drawn contribution, drawn as tubes, revealed slab by slab in a step's cycle."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element, per_corner
from cube_viz.scene import palette
from cube_viz.scene.frame import Frame
from cube_viz.scene.rays import ray_count

WIDTH = 3.0


class Rays(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        n = ray_count(spec.lattice, spec.rays_per_layer, spec.rays_to_wall, len(spec.vocab))
        self.mesh = pv.PolyData(np.zeros((2 * n, 3), np.float32),
                                lines=np.column_stack([np.full(n, 2), np.arange(2 * n).reshape(-1, 2)]))
        self.mesh.point_data["rgb"] = np.zeros((2 * n, 3), np.uint8)
        self.add(plotter.add_mesh(self.mesh, scalars="rgb", rgb=True, render_lines_as_tubes=True, lighting=False,
                                  name="rays"))

    def update(self, frame: Frame) -> None:
        r = frame.rays
        if r is None:
            return
        ends = r.ends
        if frame.motion is not None and frame.motion.ray_reveal is not None:  # light in flight
            ends = r.starts + (r.ends - r.starts) * frame.motion.ray_reveal[:, None]
        pts = np.empty((2 * len(r.starts), 3), np.float32)
        pts[0::2], pts[1::2] = r.starts, ends
        self.mesh.points[:] = pts
        self.mesh.point_data["rgb"][:] = per_corner(palette.rays(r.contribution, r.intensity), 2)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.actors[0].GetProperty().SetLineWidth(WIDTH * line_scale)
