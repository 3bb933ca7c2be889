"""Reflectors and biases: one plate set each, the same drawing for both (tilt, colour, glow, field, and the
largest updates' swell)."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from cube_viz.render import shading
from cube_viz.render.elements.base import Element, cell_at, per_corner
from cube_viz.render.view import record_look
from cube_viz.scene import orient, palette
from cube_viz.scene.frame import Frame
from cube_viz.scene.lattice import plate_sets
from cube_viz.scene.orient import TONE_RANGE

PLATE = 0.62  # plate side, in its slab's pitches: gaps keep the slabs see-through
BIAS_PLATE = 0.45
THINNER = 0.6  # the transformer's plates, as a share of those: 14 slabs deep, the light must show through
# a plate among its set's largest 1% of updates this step, or changing sign, is drawn this much larger while it
# turns, in its own colour: painted white (before) it read as the key light's glint, and hid its value's colour
SWELL = 1.5
MATERIAL = shading.Material(ambient=0.45, diffuse=0.8, specular=0.35, specular_power=16)  # glints under the key
# light that render.view places


def plate_mesh(centres: np.ndarray, side: np.ndarray) -> pv.PolyData:
    """One quad per plate (cell i = plate i), moved in place each frame.

    Measured on software GL at 1280x720 (scripts/bench_scene.py): 29k plates as one plain mesh render
    and update faster than vtkGlyph3DMapper instancing (~25 vs ~40 ms), and a picked cell id is the
    plate's index directly. Colours are per corner (each quad owns its 4 points, all one colour), the
    form glTF stores.
    """
    n = len(centres)
    faces = np.column_stack([np.full(n, 4), np.arange(4 * n).reshape(n, 4)]).ravel()
    mesh = pv.PolyData(orient.plate_corners(np.asarray(centres, np.float32), np.zeros(n, np.float32), side),
                       faces=faces)
    mesh.point_data["rgb"] = np.zeros((4 * n, 3), np.uint8)
    return mesh


class PlateMesh(Element):
    """The plates of one plate set (scene.lattice.plate_sets): `kind` names it, and its Frame and Motion fields."""

    kind, side = "reflectors", PLATE

    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        plates = next(ps for ps in plate_sets(spec.lattice) if ps.name == self.kind)
        side = self.side * (THINNER if spec.lattice.lanes else 1.0)
        self.centres, self.sides = plates.positions, side * plates.pitch  # (N, 3), (N,)
        self.mesh = plate_mesh(self.centres, self.sides)
        self.shaded_here = not record_look(plotter)  # the preview lights its plates itself: render.shading
        actor = self.add(plotter.add_mesh(self.mesh, scalars="rgb", rgb=True, lighting=not self.shaded_here,
                                          name=self.kind))
        if not self.shaded_here:
            MATERIAL.apply(actor.GetProperty())
        self.colour = np.zeros((len(self.centres), 3), np.uint8)  # (N, 3) unlit, and (N, 3) unit normals
        self.normal = orient.normals(np.zeros(len(self.centres), np.float32))
        self.lit_for = None  # the camera and lights the drawn colours were lit for
        self.eye = self.to_eye = None  # the camera position, and each plate's direction to it (N, 3)
        if self.shaded_here:
            plotter.renderer.AddObserver("StartEvent", self._relight)

    def update(self, frame: Frame) -> None:
        plates = getattr(frame, self.kind)
        rgb, sides = palette.diverging(plates.tone, TONE_RANGE), self.sides
        if frame.motion is not None:  # the same glow, field and swell for reflectors and biases
            light = getattr(frame.motion, self.kind)
            rgb = palette.lit(rgb, light.glow, light.field)
            sides = np.where(light.glint, self.sides * SWELL, self.sides)  # (N,)
        orient.plate_corners(self.centres, plates.theta, sides, out=self.mesh.points)
        if self.kind == "reflectors" and frame.knocked is not None:
            rgb[frame.knocked] = palette.KNOCKED_OUT
        if self.shaded_here:
            self.colour, self.normal, self.lit_for = rgb, plates.normal, None
            self._relight()
        else:  # VTK lights them
            self.mesh.point_data["rgb"][:] = per_corner(rgb, 4)

    def _relight(self, *_) -> None:
        """The preview's plates, drawn unlit: their colours lit here for the camera and the lights of now
        (again only when any has moved)."""
        cam, lights = self.plotter.camera, self.plotter.renderer.lights
        now = (cam.position, cam.focal_point, *((li.position, li.focal_point, li.intensity) for li in lights))
        if now == self.lit_for:
            return
        self.lit_for = now
        eye = np.array(cam.position)
        if self.eye is None or not np.array_equal(eye, self.eye):
            self.eye, self.to_eye = eye, shading.toward_eye(self.centres, eye)
        rgb = shading.lit(self.colour, self.normal, self.to_eye,
                          [(np.subtract(li.position, li.focal_point), li.intensity) for li in lights],
                          eye - np.array(cam.focal_point), MATERIAL)
        self.mesh.point_data["rgb"][:] = per_corner(rgb, 4)

    def pick(self, x: int, y: int) -> int | None:
        return cell_at(self.plotter, self.actors[0], x, y, 0.002)


class Biases(PlateMesh):
    kind, side = "biases", BIAS_PLATE
