"""The wall of words at the cube's end: every word lit by its probability; the top guess and the true word
repeated larger over their cells."""

from __future__ import annotations

from cube_viz.render.elements.base import Element, cell_at, per_corner
from cube_viz.render.words import place_spotlight, spotlight_quad, word_actor, word_quads
from cube_viz.scene import palette
from cube_viz.scene.frame import Frame


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

    def update(self, frame: Frame) -> None:
        if frame.word_brightness is None:
            return
        top = int(frame.top_ids[0])
        self.words.point_data["rgba"][:] = per_corner(palette.words(frame.word_brightness, top, frame.target_id), 4)
        place_spotlight(self.top_word, self.words, top)
        if frame.target_id is None:  # a prompt of the user's: no true next word to show
            self.true_word.point_data["rgba"][:] = 0
        else:
            place_spotlight(self.true_word, self.words, int(frame.target_id))

    def pick(self, x: int, y: int) -> int | None:
        return cell_at(self.plotter, self.actor, x, y, 0.003)  # quad i is word i
