"""The wall of words at the cube's end: every word lit by its probability; the top guess and the true word
repeated larger over their cells. Where the wall is seen edge-on (from the top or the side) its words cannot be
read: the top guesses are then named, with their probabilities, where their light lands."""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.render.elements.base import Element, cell_at, font_size, per_corner, text_box
from cube_viz.render.words import place_spotlight, spotlight_quad, word_actor, word_quads
from cube_viz.scene import palette
from cube_viz.scene.facts import percent, spoken
from cube_viz.scene.frame import Frame

EDGE_ON = 0.45  # the guesses are named where the view's direction is this close to the wall's plane (|cos|)
FONT = 20  # points at scale 1, as the context words


class Wall(Element):
    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        # drawn after the slabs: its words light up over everything drawn before them (see word_actor)
        self.words, texture = word_quads(spec)
        self.actor = self.add(word_actor(self.words, texture))
        plotter.add_actor(self.actor, name="wall", reset_camera=False)
        # the true next word and the top guess again, larger (unlit until there is a prediction); the guess
        # last, so that it shows where it is the true word
        self.true_word, self.top_word = spotlight_quad(self.words), spotlight_quad(self.words)
        for name, quad in (("true-word", self.true_word), ("top-word", self.top_word)):
            plotter.add_actor(self.add(word_actor(quad, texture)), name=name, reset_camera=False, pickable=False)
        self.guesses = [self.add(guess_label(plotter, f"wall-guess-{i}", i == 0)) for i in range(spec.rays_to_wall)]
        self.top_ids: np.ndarray | None = None
        self.text_scale = 1.0
        plotter.renderer.AddObserver("StartEvent", self._name_guesses)

    def update(self, frame: Frame) -> None:
        if frame.word_brightness is None:
            return
        top = int(frame.top_ids[0])
        self.top_ids = frame.top_ids
        for label, i in zip(self.guesses, frame.top_ids, strict=False):
            label.SetInput(f"{spoken(self.spec.vocab[i])} {percent(float(frame.probs[i]))}")
        self.words.point_data["rgba"][:] = per_corner(palette.words(frame.word_brightness, top, frame.target_id), 4)
        place_spotlight(self.top_word, self.words, top)
        if frame.target_id is None:  # a prompt of the user's: no true next word to show
            self.true_word.point_data["rgba"][:] = 0
        else:
            place_spotlight(self.true_word, self.words, int(frame.target_id))

    def pick(self, x: int, y: int) -> int | None:
        return cell_at(self.plotter, self.actor, x, y, 0.003)  # quad i is word i

    def rescale(self, text_scale: float, line_scale: float) -> None:
        self.text_scale = text_scale

    def _apply(self) -> None:
        super()._apply()
        self._name_guesses()

    def _name_guesses(self, *_) -> None:
        """Show the guesses' names while the wall is edge-on, each at its word, moved down under the one before
        where they would overlap."""
        edge_on = abs(self.plotter.camera.direction[1]) < EDGE_ON
        on = bool(self.shown and self.top_ids is not None and edge_on)
        placed: list[tuple[float, float, float, float]] = []
        for label, i in zip(self.guesses, [] if self.top_ids is None else self.top_ids, strict=False):
            label.SetVisibility(on)
            if not on:
                continue
            label.GetTextProperty().SetFontSize(font_size(FONT, self.text_scale))
            label.GetPositionCoordinate().GetReferenceCoordinate().SetValue(*map(float, self.spec.wall.positions[i]))
            label.SetPosition(0, 0)
            box = text_box(label, self.plotter.renderer)
            shift = 0.0
            while any(overlaps(box, other, shift) for other in placed):
                shift += box[3] - box[2]
            label.SetPosition(0, -shift)
            placed.append((box[0], box[1], box[2] - shift, box[3] - shift))


def overlaps(box, other, shift: float) -> bool:
    """Whether (left, right, bottom, top) `box` moved down by `shift` pixels meets `other`."""
    return box[0] < other[1] and other[0] < box[1] and box[2] - shift < other[3] and other[2] < box[3] - shift


def guess_label(plotter: pv.Plotter, name: str, top: bool) -> vtk.vtkTextActor:
    """A text anchored at a wall word's world position, offset in pixels (its Position): gold for the top
    guess, the wall's warm white for the others, on a dark label."""
    actor = vtk.vtkTextActor()
    anchor = vtk.vtkCoordinate()
    anchor.SetCoordinateSystemToWorld()
    position = actor.GetPositionCoordinate()
    position.SetCoordinateSystemToDisplay()
    position.SetReferenceCoordinate(anchor)
    prop = actor.GetTextProperty()
    prop.SetColor(*(palette.TOP_WORD if top else palette.WORD) / 255)
    prop.BoldOn()
    prop.SetJustificationToCentered()
    prop.SetVerticalJustificationToCentered()
    prop.SetBackgroundColor(0.02, 0.03, 0.06)
    prop.SetBackgroundOpacity(0.85)
    actor.SetVisibility(False)
    plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
    return actor
