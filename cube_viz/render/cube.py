"""The cube's actors, built once for a CubeSpec and updated in place from each Frame."""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.scene import palette
from cube_viz.scene.frame import CubeSpec, Frame, Plates
from cube_viz.scene.gel import gel_positions
from cube_viz.scene.orient import TONE_RANGE
from cube_viz.scene.rays import ray_count

PLATE = 0.62  # plate side, in lattice pitches: gaps keep the slabs see-through
BIAS_PLATE = 0.45
LEGEND = (
    "HOW TO READ THE CUBE\n"
    "plate = one weight   tilt + colour = its value (red +, blue -)\n"
    "small plate = bias   light ray = a_i x w_ji, the strongest\n"
    "ray: warm +, cool -, brighter = larger   gel dots = activation\n"
    "(green amplifies, violet suppresses)   wall: word brightness =\n"
    "probability   gold = top guess   green = true next word"
)


def plate_cloud(positions: np.ndarray) -> pv.PolyData:
    cloud = pv.PolyData(np.asarray(positions, np.float32))
    n = cloud.n_points
    cloud.point_data["q"] = np.tile(np.array([1, 0, 0, 0], np.float32), (n, 1))
    cloud.point_data["rgb"] = np.zeros((n, 3), np.uint8)
    return cloud


def glyph_actor(cloud: pv.PolyData, size: float) -> pv.Actor:
    """One instanced actor: a 2-triangle plate per point, oriented by quaternion `q`, coloured by `rgb`."""
    mapper = vtk.vtkGlyph3DMapper()
    mapper.SetInputData(cloud)
    mapper.SetSourceData(pv.Plane(i_size=size, j_size=size, i_resolution=1, j_resolution=1))
    mapper.SetOrientationArray("q")
    mapper.SetOrientationModeToQuaternion()
    mapper.ScalingOff()
    mapper.SetScalarModeToUsePointFieldData()
    mapper.SelectColorArray("rgb")
    mapper.SetColorModeToDirectScalars()
    mapper.ScalarVisibilityOn()
    actor = pv.Actor(mapper=mapper)
    actor.prop.ambient = 0.35
    actor.prop.diffuse = 0.75
    actor.prop.specular = 0.25
    actor.prop.specular_power = 30
    return actor


def word_mesh(spec: CubeSpec) -> tuple[pv.PolyData, np.ndarray]:
    """All words merged into one flat text mesh facing the light (-y), and each cell's word id (cells,).

    One font scale for every word (so "a" and "the" share a letter height), the largest that fits every cell.
    """
    cw, ch = spec.wall.cell
    glyphs = [pv.Text3D(word, depth=0) for word in spec.vocab]  # natural size, in the xy plane
    widths = np.array([g.bounds[1] - g.bounds[0] for g in glyphs])
    scale = min(0.92 * cw / widths.max(), 0.75 * ch / 1.0)  # natural letter height is about 1
    meshes, ids = [], []
    for i, (g, centre) in enumerate(zip(glyphs, spec.wall.positions, strict=True)):
        xy = np.asarray(g.points)
        mid_x = (g.bounds[0] + g.bounds[1]) / 2
        points = np.column_stack([(xy[:, 0] - mid_x) * scale, np.zeros(len(xy)), (xy[:, 1] - 0.35) * scale])
        g.points = (points + centre).astype(np.float32)  # x stays x, y becomes z: readable from -y
        meshes.append(g)
        ids.append(np.full(g.n_cells, i, np.int32))
    mesh = pv.merge(meshes, merge_points=False)
    mesh.cell_data["rgb"] = np.zeros((mesh.n_cells, 3), np.uint8)
    return mesh, np.concatenate(ids)


def overlay(plotter: pv.Plotter, actor: pv.Actor) -> None:
    """Draw `actor` in a second layer over the scene, seen through the same camera.

    The word wall sits behind every slab; drawn in depth order its words would be hidden behind
    thousands of plates. As an overlay the wall's light shines through the glass and stays legible.
    """
    plotter.renderer.RemoveActor(actor)
    layer = vtk.vtkRenderer()
    layer.SetLayer(1)
    layer.InteractiveOff()
    layer.SetActiveCamera(plotter.camera)
    layer.AddActor(actor)
    plotter.ren_win.SetNumberOfLayers(2)
    plotter.ren_win.AddRenderer(layer)


class CubeView:
    """Actors for the lattice, biases, rays, gel, word wall, glass shell, HUD and legend."""

    def __init__(self, plotter: pv.Plotter, spec: CubeSpec, text_scale: float = 1.0):
        self.plotter, self.spec = plotter, spec
        lat = spec.lattice
        self.reflectors = plate_cloud(lat.positions)
        plotter.add_actor(glyph_actor(self.reflectors, PLATE), name="reflectors")
        self.biases = plate_cloud(lat.bias_positions)
        plotter.add_actor(glyph_actor(self.biases, BIAS_PLATE), name="biases")

        n_rays = ray_count(lat, spec.rays_per_layer, spec.rays_to_wall, len(spec.vocab))
        self.rays = pv.PolyData(np.zeros((2 * n_rays, 3), np.float32),
                                lines=np.column_stack([np.full(n_rays, 2), np.arange(2 * n_rays).reshape(-1, 2)]))
        self.rays.cell_data["rgb"] = np.zeros((n_rays, 3), np.uint8)
        plotter.add_mesh(self.rays, scalars="rgb", rgb=True, render_lines_as_tubes=True,
                         line_width=3 * text_scale, lighting=False, name="rays")

        self.gel = pv.PolyData(gel_positions(lat))
        self.gel.point_data["rgb"] = np.zeros((self.gel.n_points, 3), np.uint8)
        if self.gel.n_points:
            plotter.add_mesh(self.gel, scalars="rgb", rgb=True, render_points_as_spheres=True,
                             point_size=9 * text_scale, opacity=0.55, lighting=False, name="gel")

        self.words, self._cell_word = word_mesh(spec)
        wall = plotter.add_mesh(self.words, scalars="rgb", rgb=True, lighting=False, name="wall")
        overlay(plotter, wall)

        h, pad = lat.half_width, 2.0
        box = pv.Box(bounds=(-h - pad, h + pad, lat.front_y, lat.wall_y + pad, -h - pad, h + pad))
        plotter.add_mesh(box, color="#9fc4ff", opacity=0.05, lighting=False, name="glass")
        plotter.add_mesh(box.extract_feature_edges(), color="#b9d4ff", line_width=1.5 * text_scale,
                         lighting=False, name="glass-edges")

        font = max(8, round(13 * text_scale))
        self.hud = plotter.add_text("", position="upper_left", font_size=font, color="white", name="hud")
        self.legend = plotter.add_text(LEGEND, position="lower_left", font_size=max(7, round(10 * text_scale)),
                                       color="#c8d2e6", name="legend")

    def update(self, frame: Frame) -> None:
        """Copy a frame's arrays into the actors (slice assignment marks VTK data modified)."""
        self._plates(self.reflectors, frame.reflectors)
        self._plates(self.biases, frame.biases)
        if frame.rays is not None:
            self._rays(frame)
        if frame.gel is not None and self.gel.n_points:
            self.gel.point_data["rgb"][:] = palette.gel(frame.gel.gain)
        if frame.word_brightness is not None:
            top = int(frame.top_ids[0])
            colours = palette.words(frame.word_brightness, top, frame.target_id)
            self.words.cell_data["rgb"][:] = colours[self._cell_word]
        self.hud.set_text("upper_left", self.hud_text(frame))

    @staticmethod
    def _plates(cloud: pv.PolyData, plates: Plates) -> None:
        cloud.point_data["q"][:] = plates.quaternion
        cloud.point_data["rgb"][:] = palette.diverging(plates.tone, TONE_RANGE)

    def _rays(self, frame: Frame) -> None:
        r = frame.rays
        pts = np.empty((2 * len(r.starts), 3), np.float32)
        pts[0::2], pts[1::2] = r.starts, r.ends
        self.rays.points[:] = pts
        self.rays.cell_data["rgb"][:] = palette.rays(r.contribution, r.intensity)

    def hud_text(self, frame: Frame) -> str:
        loss = "-" if np.isnan(frame.loss) else f"{frame.loss:.3f}"
        lines = [f"step {frame.step}   epoch {frame.epoch + 1}   loss {loss}"]
        if frame.prompt is not None:
            target = "" if frame.target_id is None else f"   (true next word: {self.spec.vocab[frame.target_id]})"
            lines.append(f"prompt: {frame.prompt} ...{target}")
            lines.append("predicts: " + "   ".join(f"{self.spec.vocab[i]} {frame.probs[i]:.0%}" for i in frame.top_ids))
        return "\n".join(lines)
