"""Light rays as beams of light: each drawn contribution a glowing ribbon that faces the camera, revealed slab by
slab in a step's cycle.

Each beam is a bright core in a soft halo, both wider the stronger its contribution (within its group: the
entry, one slab, the wall rays), its core brighter too (scene.palette.light), warm or cool by sign. One mesh of
camera-facing ribbons rather than VTK lines: a line actor has one width for all its lines. Per beam, 12 points:
2 ends (start, end) x 6 across it at offsets (-halo, -core, -core, +core, +core, +halo) half-widths from the
centre line; 3 quads across (halo, core, halo). The core's points carry the beam's colour at full alpha, the
halo's inner points its colour at HALO_ALPHA and its outer ones alpha 0: a glow that fades out. Offsets are in
pixels of the view (recomputed before each render, from the camera), so beams stay as wide in a close-up as in
the overview. Translucent, so drawn in the translucent pass: never with depth peeling (5-8x the cost).
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render.elements.base import Element, cell_at
from cube_viz.scene import palette
from cube_viz.scene.frame import Frame
from cube_viz.scene.lanes import FAINT_ATTENTION

CORE = (1.5, 4.5)  # the core's width in pixels (1080 high) for the weakest (intensity 0) and strongest beam
HALO = (7.0, 22.0)  # the halo's full width likewise
HALO_ALPHA = 0.4  # the halo's opacity next to the core (measured look: a ~14 px halo at .25 + 2 px core)
ACROSS = np.array([-1, -1, -1, 1, 1, 1])  # side of each of a beam end's 6 points; which width: WIDE
WIDE = np.array([True, False, False, False, False, True])  # halo edge (True) or core / halo inner edge


def beam_widths(intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S,) core and (S,) halo widths in pixels of a view 1080 high, linear in intensity in [0, 1]."""
    return CORE[0] + (CORE[1] - CORE[0]) * intensity, HALO[0] + (HALO[1] - HALO[0]) * intensity


def world_per_pixel(camera, height: int, points: np.ndarray) -> np.ndarray:
    """(S,) world units per pixel at points (S, 3) in a view `height` pixels high."""
    if camera.parallel_projection:
        return np.full(len(points), 2 * camera.parallel_scale / height)
    pos = np.asarray(camera.position)
    view = np.asarray(camera.focal_point) - pos
    depth = (points - pos) @ (view / np.linalg.norm(view))
    return 2 * np.tan(np.radians(camera.view_angle) / 2) * np.maximum(depth, 1e-6) / height


class Rays(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        n = spec.ray_capacity
        quads = np.arange(n)[:, None, None] * 12 + np.array([[0, 1, 7, 6], [2, 3, 9, 8], [4, 5, 11, 10]])
        self.mesh = pv.PolyData(np.zeros((12 * n, 3), np.float32),
                                faces=np.concatenate([np.full((3 * n, 1), 4), quads.reshape(-1, 4)], axis=1))
        self.mesh.point_data["rgba"] = np.zeros((12 * n, 4), np.uint8)
        self.add(plotter.add_mesh(self.mesh, scalars="rgba", rgba=True, lighting=False, name="rays"))
        self.n, self.line_scale = n, 1.0
        self.starts = self.ends = np.zeros((0, 3), np.float32)
        self.core = self.halo = np.zeros(0)
        self.faced = None  # the camera, view height and line scale the beams were last turned to
        plotter.renderer.AddObserver("StartEvent", self._face_camera)

    def update(self, frame: Frame) -> None:
        r = frame.rays
        if r is None:
            return
        ends = r.ends
        if frame.motion is not None and frame.motion.ray_reveal is not None:  # light in flight
            ends = r.starts + (r.ends - r.starts) * frame.motion.ray_reveal[:, None]
        self.starts, self.ends = r.starts, ends
        self.core, self.halo = beam_widths(r.intensity)
        s = len(r.starts)
        rgba = np.zeros((self.n, 2, 6, 4), np.uint8)  # beams past s (the count varies) stay unlit
        rgb = palette.light(r.contribution, r.intensity, r.kind, r.head)
        if frame.motion is not None and frame.motion.ray_glow is not None:  # the wave running back along them
            rgb = palette.lit(rgb, frame.motion.ray_glow, np.zeros(s, np.float32))
        rgba[:s, :, :, :3] = rgb[:, None, None]
        rgba[:s, :, 2:4, 3] = 255
        rgba[:s, :, [1, 4], 3] = round(255 * HALO_ALPHA)
        thin = np.flatnonzero(r.kind == FAINT_ATTENTION)  # thin lines: the glows of many ran into a haze
        rgba[thin, :, 1, 3] = rgba[thin, :, 4, 3] = 0
        self.mesh.point_data["rgba"][:] = rgba.reshape(-1, 4)
        self.faced = None
        self._face_camera()

    def _face_camera(self, *_) -> None:
        """Place every beam's points across its centre line, perpendicular to it and to the view direction."""
        s = len(self.starts)
        cam = self.plotter.camera
        height = max(1, self.plotter.renderer.GetSize()[1])
        if not s or self.faced == (cam.GetMTime(), height, self.line_scale):
            return
        self.faced = (cam.GetMTime(), height, self.line_scale)
        view = np.asarray(cam.focal_point) - np.asarray(cam.position)
        along = self.ends - self.starts  # (s, 3)
        side = np.cross(along, view)  # (s, 3) across the beam on screen
        length = np.sqrt((side * side).sum(axis=1))[:, None]
        side = np.where(length > 1e-9, side / np.maximum(length, 1e-9), np.array([1.0, 0.0, 0.0]))  # end-on: any
        scale = self.line_scale * world_per_pixel(cam, height, (self.starts + self.ends) / 2) / 2  # (s,) half
        half = np.where(WIDE, self.halo[:, None], self.core[:, None]) * scale[:, None] * ACROSS  # (s, 6)
        ends = np.stack([self.starts, self.ends], axis=1)  # (s, 2, 3)
        points = np.zeros((self.n, 2, 6, 3), np.float32)
        points[:s] = ends[:, :, None, :] + half[:, None, :, None] * side[:, None, None, :]
        self.mesh.points[:] = points.reshape(-1, 3)

    def pick(self, x: int, y: int) -> int | None:
        """The beam drawn at (x, y): its index in the frame's Rays (3 quads a beam), None where none is lit."""
        cell = cell_at(self.plotter, self.actors[0], x, y, 0.002)
        return None if cell is None or cell // 3 >= len(self.starts) else cell // 3

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.line_scale = line_scale
        self._face_camera()
