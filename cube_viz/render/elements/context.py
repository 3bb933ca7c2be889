"""The prompt's context words at the cube's front face, each where its light enters (scene.rays.entry_points):
a sentence along the face's lower edge, each word hanging below the point its beams fan out from. In a close-up
of the transformer's attention zone (the front face cut away) each word stands at its lane's foot there."""

from __future__ import annotations

import numpy as np

from cube_viz.render.elements.base import Element, anchor, anchored_text, font_size
from cube_viz.render.view import drawn_depths
from cube_viz.scene.frame import Frame

FONT = 20  # a little larger than the slab names: these are what the lecture is about
LANE_FOOT = 0.9  # in a zone close-up, the words this many half-widths below the middle: inside the frame


class Context(Element):
    """One world-anchored text actor per context word, in the prompt's order (actor p is word p), on a dark label
    like the slab names. A text changes only when the prompt does: setting every label's text each frame is
    what made text expensive."""

    def __init__(self, plotter, spec, built):
        super().__init__(plotter, spec, built)
        for p in range(spec.lattice.context_length):  # the wall's warm white: the light's words, hanging from
            # the point their light leaves from
            self.add(anchored_text(plotter, f"context-{p}", "#fff4d6", hanging=True))
        self.at = np.zeros((0, 3))  # (k, 3) where the frame's words stand
        self.present(False)
        plotter.renderer.AddObserver("StartEvent", self._place)

    def update(self, frame: Frame) -> None:
        words = frame.context if frame.rays is not None else None
        self.present(bool(words))
        if not words:
            return
        for actor, word in zip(self.actors, words, strict=True):
            if actor.GetInput() != word:
                actor.SetInput(word)
        self.at = frame.rays.words
        self._place()

    def _place(self, *_) -> None:
        """At the front face; in a cut view of the transformer, at the lanes' feet where the cut begins."""
        near, _ = drawn_depths(self.plotter)
        at = np.array(self.at, np.float64)
        if np.isfinite(near) and self.spec.lattice.lanes and len(at):
            at[:, 1], at[:, 2] = near, -LANE_FOOT * self.spec.lattice.half_width
        for actor, p in zip(self.actors, at, strict=False):
            anchor(actor, p)

    def rescale(self, text_scale: float, line_scale: float) -> None:
        for actor in self.actors:
            actor.GetTextProperty().SetFontSize(font_size(FONT, text_scale))
