"""The cube's actors, built once for a CubeSpec and updated in place from each Frame."""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.render.view import draw_over_scene
from cube_viz.render.words import place_spotlight, spotlight_quad, word_actor, word_quads
from cube_viz.scene import orient, palette
from cube_viz.scene.frame import CubeSpec, Frame, Plates
from cube_viz.scene.gel import gel_positions
from cube_viz.scene.lattice import slab_title
from cube_viz.scene.orient import TONE_RANGE
from cube_viz.scene.rays import ray_count
from cube_viz.scene.wall import rank

PLATE = 0.62  # plate side, in lattice pitches: gaps keep the slabs see-through
BIAS_PLATE = 0.45
# Sizes in a view 1080 pixels high (text_scale 1; CubeView.rescale scales them with the view): line widths
# and dot sizes in pixels, fonts in points (pixels at VTK's 72 dpi)
LINE_WIDTHS = {"rays": 3.0, "glass-edges": 1.5, "wave": 3.0, "highlight": 3.0, "selection": 3.0}
CROSSHAIR = (0.7, 6.0)  # where the selection's arms start and end, in lattice pitches from the plate (side 0.62)
GEL_DOT = 12.0
LABELS_APART = 0.95  # slab names show while the view is more than ~18 degrees off the light's axis
# the banner at the HUD's size: one line of it, top-aligned beside the HUD's first line, never meets its second
FONT_SIZES = {"hud": 28, "banner": 28, "captions": 36, "legend": 22, "slab-label": 18}
MARGIN = 0.01  # corner texts' distance from the top and bottom edges, and the captions' from the legend
LEGEND = (  # one entry a line, none over ~60 characters: captions too wide for the rest move above it
    "HOW TO READ THE CUBE\n"
    "plate = one weight   small plate = one bias\n"
    "plate tilt and colour = its value (red +, blue -)\n"
    "ray = a_i x w_ji, strongest: warm +, cool -, bright = large\n"
    "gel dot: violet dims, green amplifies, grey passes\n"
    "wall = every word, as bright as its probability\n"
    "gold word = top guess   green word = true next word"
)


def plate_mesh(centres: np.ndarray, side: float) -> pv.PolyData:
    """One quad per reflector (cell i = reflector i), moved in place each frame.

    Measured on software GL at 1280x720 (scripts/bench_scene.py): 29k plates as one plain mesh render
    and update faster than vtkGlyph3DMapper instancing (~25 vs ~40 ms), and a picked cell id is the
    reflector's index directly. Colours are per corner (each quad owns its 4 points, all one colour), the
    form glTF stores.
    """
    n = len(centres)
    faces = np.column_stack([np.full(n, 4), np.arange(4 * n).reshape(n, 4)]).ravel()
    mesh = pv.PolyData(orient.plate_corners(np.asarray(centres, np.float32), np.zeros(n, np.float32), side),
                       faces=faces)
    mesh.point_data["rgb"] = np.zeros((4 * n, 3), np.uint8)
    return mesh


def per_corner(colours: np.ndarray, corners: int) -> np.ndarray:
    """(N * corners, C) colours of the points of N cells that own `corners` points each, in cell order."""
    return np.repeat(colours, corners, axis=0)


def percent(p: float) -> str:
    """A probability for the HUD: whole percents, one decimal under 1% (a word at 0.3% is not at 0%)."""
    return f"{p:.0%}" if p >= 0.01 else f"{p:.1%}"


def motion_legend(exaggeration: float, decaying: bool) -> str:
    turn = "" if exaggeration == 1 else f"\nturns exaggerated x{exaggeration:g}, settling on the true weight"
    field = "\ncyan = pull of weight decay (stabilizing field)" if decaying else ""
    return f"\nglow = size of the gradient as the wave passes\nwhite = largest update or sign flip{field}{turn}"


def highlight_bounds(spec: CubeSpec, what: str) -> tuple[float, ...]:
    """World bounds (xmin, xmax, ymin, ymax, zmin, zmax) of a storyboard highlight."""
    lat = spec.lattice
    pad = 1.5
    if what == "wall":
        p = spec.wall.positions
    elif what == "rays":
        p = np.array([[-lat.half_width, lat.front_y, -lat.half_width], [lat.half_width, lat.wall_y, lat.half_width]])
    elif what.startswith("layer:"):
        slab = next(s for s in lat.slabs if s.name == what.split(":", 1)[1])
        p = lat.positions[slab.weights]
    else:  # reflector:LAYER:ROW:COL
        _, layer, row, col = what.split(":")
        slab = next(s for s in lat.slabs if s.name == layer)
        p = lat.positions[slab.weights][int(row) * slab.cols + int(col)][None, :]
        pad = 1.2
    lo, hi = p.min(axis=0) - pad, p.max(axis=0) + pad
    return (lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])


def text_box(actor: vtk.vtkTextActor, renderer) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of a text actor's drawn box, backdrop included, in display pixels."""
    box = [0.0] * 4
    actor.GetBoundingBox(renderer, box)  # relative to the actor's anchor
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(renderer)
    return x + box[0], x + box[1], y + box[2], y + box[3]


def corner_text(plotter: pv.Plotter, corner: str, color: str, name: str, backdrop: bool = False) -> vtk.vtkTextActor:
    """Text pinned to a corner of the view ("upper_left", "lower_right", ...); with `backdrop`, on a dark
    panel, so that it reads where it overlaps the cube.

    A plain text actor, not pyvista's corner annotation: an annotation refits its font to the viewport
    whenever its text changes, which cost ~70 ms a frame for a HUD that changes every frame.
    """
    actor = vtk.vtkTextActor()
    top, right = corner.startswith("upper"), corner.endswith("right")
    position = actor.GetPositionCoordinate()
    position.SetCoordinateSystemToNormalizedViewport()
    position.SetValue(0.995 if right else 0.005, 1 - MARGIN if top else MARGIN)
    prop = actor.GetTextProperty()
    prop.SetColor(pv.Color(color).float_rgb)
    prop.SetJustification(vtk.VTK_TEXT_RIGHT if right else vtk.VTK_TEXT_LEFT)
    prop.SetVerticalJustification(vtk.VTK_TEXT_TOP if top else vtk.VTK_TEXT_BOTTOM)
    if backdrop:
        prop.SetBackgroundColor(0.02, 0.03, 0.06)
        prop.SetBackgroundOpacity(0.8)
    plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
    return actor


class CubeView:
    """Actors for the lattice, biases, rays, gel, word wall, glass shell, HUD and legend."""

    def __init__(self, plotter: pv.Plotter, spec: CubeSpec, text_scale: float = 1.0):
        self.plotter, self.spec = plotter, spec
        lat = spec.lattice
        self.reflectors = plate_mesh(lat.positions, PLATE)
        self.biases = plate_mesh(lat.bias_positions, BIAS_PLATE)
        for name, mesh in (("reflectors", self.reflectors), ("biases", self.biases)):
            plotter.add_mesh(mesh, scalars="rgb", rgb=True, ambient=0.35, diffuse=0.75, specular=0.25,
                             specular_power=30, name=name)

        n_rays = ray_count(lat, spec.rays_per_layer, spec.rays_to_wall, len(spec.vocab))
        self.rays = pv.PolyData(np.zeros((2 * n_rays, 3), np.float32),
                                lines=np.column_stack([np.full(n_rays, 2), np.arange(2 * n_rays).reshape(-1, 2)]))
        self.rays.point_data["rgb"] = np.zeros((2 * n_rays, 3), np.uint8)
        plotter.add_mesh(self.rays, scalars="rgb", rgb=True, render_lines_as_tubes=True, lighting=False, name="rays")

        self.gel = pv.PolyData(gel_positions(lat))
        self.gel.point_data["rgb"] = np.zeros((self.gel.n_points, 3), np.uint8)
        if self.gel.n_points:
            plotter.add_mesh(self.gel, scalars="rgb", rgb=True, render_points_as_spheres=True, opacity=0.9,
                             lighting=False, name="gel")

        h, pad = lat.half_width, 2.0
        box = pv.Box(bounds=(-h - pad, h + pad, lat.front_y, lat.wall_y + pad, -h - pad, h + pad))
        plotter.add_mesh(box, color="#9fc4ff", opacity=0.05, lighting=False, name="glass")
        plotter.add_mesh(box.extract_feature_edges(), color="#b9d4ff", lighting=False, name="glass-edges")

        self.wave = pv.Plane(center=(0, lat.wall_y, 0), direction=(0, 1, 0), i_size=2 * h + 4, j_size=2 * h + 4)
        self.wave_actor = plotter.add_mesh(self.wave, color="#ffd75e", opacity=0.07, show_edges=True,
                                           edge_color="#ffe9a0", lighting=False, name="wave")
        self.wave_actor.SetVisibility(False)
        self.outline = pv.Box(bounds=(-1, 1, -1, 1, -1, 1)).extract_feature_edges()
        self._unit_outline = np.asarray(self.outline.points).copy()
        self.outline_actor = plotter.add_mesh(self.outline, color="#7dff9a", lighting=False, name="highlight")
        self.outline_actor.SetVisibility(False)
        # a reflector picked in the window: white cross-hairs in its slab's plane, open in the middle so that
        # the plate shows (a dot hid its colour, and green is the true word's)
        arms = np.array([[1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1]], np.float32)
        self._unit_mark = np.stack([arms * CROSSHAIR[0], arms * CROSSHAIR[1]], axis=1).reshape(-1, 3)  # (8, 3)
        segments = np.column_stack([np.full(4, 2), np.arange(8).reshape(4, 2)])  # arm i: points 2i, 2i + 1
        self.selection = pv.PolyData(self._unit_mark.copy(), lines=segments)
        self.selection_actor = plotter.add_mesh(self.selection, color="white", lighting=False, pickable=False,
                                                name="selection")
        draw_over_scene(self.selection_actor)  # the plates around it would cut its arms
        self.selection_actor.SetVisibility(False)
        # the wall last: its words light up over everything drawn before them (see word_actor)
        self.words, texture = word_quads(spec)
        self.wall_actor = word_actor(self.words, texture)
        plotter.add_actor(self.wall_actor, name="wall", reset_camera=False)
        # the true next word and the top guess again, larger (unlit until there is a prediction); the guess
        # last, so that it shows where it is the true word
        self.true_word, self.top_word = spotlight_quad(self.words), spotlight_quad(self.words)
        self.spotlight_actors = [word_actor(quad, texture) for quad in (self.true_word, self.top_word)]
        for name, actor in zip(("true-word", "top-word"), self.spotlight_actors, strict=True):
            plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
        self.slab_labels = self._label_slabs()
        plotter.renderer.AddObserver("StartEvent", self._show_labels_if_apart)
        self.hud = corner_text(plotter, "upper_left", "white", "hud")
        self.banner = corner_text(plotter, "upper_right", "#fff6d8", "banner")
        self.captions = corner_text(plotter, "lower_right", "#fff6d8", "captions", backdrop=True)
        self.legend = corner_text(plotter, "lower_left", "#c8d2e6", "legend", backdrop=True)
        self.legend.SetInput(LEGEND)
        plotter.renderer.AddObserver("StartEvent", self._place_captions)
        self.rescale(text_scale)

    def rescale(self, text_scale: float, line_scale: float | None = None) -> None:
        """Text, line widths and dot sizes for a view text_scale x 1080 pixels high: the picture keeps one
        composition at any size (a 720p projector, a 4K movie). line_scale (default text_scale): the same in
        device pixels, where a high-density screen has more of them than text's (dpi-scaled) points."""
        line_scale = text_scale if line_scale is None else line_scale
        actors = self.plotter.actors
        for name, width in LINE_WIDTHS.items():
            actors[name].GetProperty().SetLineWidth(width * line_scale)
        if "gel" in actors:
            actors["gel"].GetProperty().SetPointSize(GEL_DOT * line_scale)
        texts = {"hud": [self.hud], "banner": [self.banner], "captions": [self.captions], "legend": [self.legend],
                 "slab-label": self.slab_labels}
        for kind, size in FONT_SIZES.items():
            for actor in texts[kind]:
                actor.GetTextProperty().SetFontSize(max(8, round(size * text_scale)))

    def mark(self, at: np.ndarray | None) -> None:
        """Cross-hairs on the plate at world point `at` (3,) (a reflector's or a bias's centre); None: no mark."""
        self.selection_actor.SetVisibility(at is not None)
        if at is not None:
            self.selection.points[:] = np.asarray(at, np.float32) + self._unit_mark

    def set_visible(self, element: str, on: bool) -> None:
        """Show or hide rays, gel, waves, biases, wall or legend."""
        actors = {"wall": [self.wall_actor, *self.spotlight_actors], "legend": [self.legend],
                  "waves": [self.wave_actor]}.get(element) or [self.plotter.actors.get(element)]  # no gel: none
        actors = [a for a in actors if a is not None]
        for actor in actors:
            actor.SetVisibility(on)

    def pick(self, x: int, y: int) -> tuple[str, int] | None:
        """What is drawn at display position (x, y): ("word", word id), ("reflector", i) or ("bias", i) in
        lattice order, or None. Words first: they are drawn over the slabs in front of them."""
        word = self._cell_at(x, y, {"word": self.wall_actor}, 0.003)
        return word or self._cell_at(x, y, {"reflector": self.plotter.actors["reflectors"],
                                            "bias": self.plotter.actors["biases"]}, 0.002)

    def _cell_at(self, x: int, y: int, actors: dict, tolerance: float) -> tuple[str, int] | None:
        """(name of the actor hit, its cell id): cell i of a plate mesh is plate i, quad i of the wall word i."""
        picker = vtk.vtkCellPicker()
        picker.SetTolerance(tolerance)
        picker.PickFromListOn()
        for actor in actors.values():
            picker.AddPickList(actor)
        if picker.Pick(x, y, 0, self.plotter.renderer) and picker.GetCellId() >= 0:
            return next(k for k, actor in actors.items() if actor is picker.GetActor()), int(picker.GetCellId())
        return None

    def _label_slabs(self) -> list[vtk.vtkTextActor]:
        """A name above each slab ("embedding", "hidden 1", ..., "output"), so a hall can follow the light.

        Plain text actors anchored at a world point, drawn over the scene: pyvista's point labels place
        their text through a label-placement mapper that cost ~10 ms a frame on software GL.
        """
        lat = self.spec.lattice
        labels = []
        for i, slab in enumerate(lat.slabs):
            actor = vtk.vtkTextActor()
            actor.SetInput(slab_title(slab.name))
            position = actor.GetPositionCoordinate()
            position.SetCoordinateSystemToWorld()
            position.SetValue(0.0, slab.y, lat.nodes[i][:, 2].max() + 6.0)
            prop = actor.GetTextProperty()
            prop.SetColor(pv.Color("#e8eefc").float_rgb)
            prop.BoldOn()
            prop.SetJustificationToCentered()
            prop.SetVerticalJustificationToCentered()
            self.plotter.add_actor(actor, name=f"slab-label-{slab.name}", reset_camera=False, pickable=False)
            labels.append(actor)
        return labels

    def _place_captions(self, *_) -> None:
        """The captions (lower right) sit at the bottom unless they would reach the legend (lower left), at
        any caption, text size and view size: then just above the legend's top. Measured before each render
        (two text measurements, ~0.01 ms: their layout is cached)."""
        renderer, position = self.plotter.renderer, self.captions.GetPositionCoordinate()
        height = max(1, renderer.GetSize()[1])
        y = MARGIN
        if self.captions.GetInput() and self.legend.GetVisibility() and self.legend.GetInput():
            position.SetValue(position.GetValue()[0], y)
            left, _, bottom, _ = text_box(self.captions, renderer)
            _, right, _, top = text_box(self.legend, renderer)
            if left < right + MARGIN * height:
                y += (top - bottom + MARGIN * height) / height
        position.SetValue(position.GetValue()[0], y)

    def _show_labels_if_apart(self, *_) -> None:
        """Slab names only where the slabs stand apart on screen: looking along the light (front, or from
        behind) every name lands on the same spot and they print over each other."""
        along = abs(np.asarray(self.plotter.camera.direction)[1])  # cos of the angle between view and light
        for actor in self.slab_labels:
            actor.SetVisibility(bool(along < LABELS_APART))

    def update(self, frame: Frame) -> None:
        """Copy a frame's arrays into the actors (slice assignment marks VTK data modified)."""
        m = frame.motion
        self._plates(self.reflectors, self.spec.lattice.positions, frame.reflectors, PLATE,
                     None if m is None else (m.glow, m.field, m.glint), frame.knocked)
        self._plates(self.biases, self.spec.lattice.bias_positions, frame.biases, BIAS_PLATE,
                     None if m is None else (m.bias_glow, None, None))
        if frame.rays is not None:
            self._rays(frame)
        self.wave_actor.SetVisibility(m is not None and m.wave_y is not None)
        if m is not None and m.wave_y is not None:
            points = np.asarray(self.wave.points).copy()
            points[:, 1] = m.wave_y
            self.wave.points[:] = points
        self._highlight(frame.highlight)
        self.captions.SetInput(frame.caption or "")
        self.banner.SetInput(frame.banner or "")
        self.legend.SetInput(LEGEND + ("" if m is None else motion_legend(m.exaggeration, m.decaying)))
        if frame.gel is not None and self.gel.n_points:
            self.gel.point_data["rgb"][:] = palette.gel(frame.gel.gain)
        if frame.word_brightness is not None:
            top = int(frame.top_ids[0])
            colours = palette.words(frame.word_brightness, top, frame.target_id)
            self.words.point_data["rgba"][:] = per_corner(colours, 4)
            place_spotlight(self.top_word, self.words, top)
            if frame.target_id is None:  # a prompt of the user's: no true next word to show
                self.true_word.point_data["rgba"][:] = 0
            else:
                place_spotlight(self.true_word, self.words, int(frame.target_id))
        self.hud.SetInput(self.hud_text(frame))

    @staticmethod
    def _plates(mesh: pv.PolyData, centres: np.ndarray, plates: Plates, side: float, light=None,
                knocked: np.ndarray | None = None) -> None:
        mesh.points[:] = orient.plate_corners(centres, plates.theta, side)
        rgb = palette.diverging(plates.tone, TONE_RANGE)
        if light is not None:
            rgb = palette.lit(rgb, *light)
        if knocked is not None:
            rgb[knocked] = palette.KNOCKED_OUT
        mesh.point_data["rgb"][:] = per_corner(rgb, 4)

    def _highlight(self, what: str | None) -> None:
        """A green box around the storyboard's highlighted layer, wall, rays or single reflector."""
        bounds = None if what is None else highlight_bounds(self.spec, what)
        self.outline_actor.SetVisibility(bounds is not None)
        if bounds is not None:
            lo, hi = np.asarray(bounds[0::2]), np.asarray(bounds[1::2])
            self.outline.points[:] = (lo + hi) / 2 + self._unit_outline * (hi - lo) / 2

    def _rays(self, frame: Frame) -> None:
        r = frame.rays
        ends = r.ends
        if frame.motion is not None and frame.motion.ray_reveal is not None:  # light in flight
            ends = r.starts + (r.ends - r.starts) * frame.motion.ray_reveal[:, None]
        pts = np.empty((2 * len(r.starts), 3), np.float32)
        pts[0::2], pts[1::2] = r.starts, ends
        self.rays.points[:] = pts
        self.rays.point_data["rgb"][:] = per_corner(palette.rays(r.contribution, r.intensity), 2)

    def hud_text(self, frame: Frame) -> str:
        loss = "-" if np.isnan(frame.loss) else f"{frame.loss:.3f}"
        lines = [f"step {frame.step}   epoch {frame.epoch + 1}   loss {loss}"]
        if frame.prompt is not None:
            target = ""
            if frame.target_id is not None and frame.probs is not None:
                p, place = frame.probs[frame.target_id], rank(frame.probs, frame.target_id)
                top = " = the top guess" if place == 1 else ""
                target = f"   (true next word: {self.spec.vocab[frame.target_id]}, {percent(p)}, rank {place}{top})"
            # what the model reads: the last few words, padded with <s>, unknown words as <unk>
            lines.append(f"context: {' '.join(frame.context)} ...{target}")
            guesses = (f"{self.spec.vocab[i]} {percent(frame.probs[i])}" for i in frame.top_ids)
            lines.append("predicts: " + "   ".join(guesses))
        if frame.knocked is not None:
            n = int(frame.knocked.sum())
            share = n / frame.knocked.size
            lines.append(f"knocked out: {n} of {frame.knocked.size} reflectors ({share:.1%}), drawn dark")
        return "\n".join(lines)
