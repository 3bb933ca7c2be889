"""The wall of words at the cube's end: every word lit by its probability; the top guess and the true word
repeated larger over their cells. Where the wall is seen edge-on (from the top or the side) its words cannot be
read: the top guesses are then named, with their probabilities, where their light lands."""

from __future__ import annotations

import numpy as np

from cube_viz.render.elements.base import Element, anchor, anchored_text, cell_at, drop_clear, font_size, per_corner
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
        self.guesses = [self.add(anchored_text(plotter, f"wall-guess-{i}", (palette.TOP_WORD if i == 0 else
                                                                             palette.WORD) / 255))
                        for i in range(spec.rays_to_wall)]  # gold the top guess, warm white the others
        for label in self.guesses:
            label.SetVisibility(False)
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
            anchor(label, self.spec.wall.positions[i])
            box = drop_clear(label, self.plotter.renderer, placed, len(placed))
            label.SetVisibility(box is not None)
            if box is not None:
                placed.append(box)
