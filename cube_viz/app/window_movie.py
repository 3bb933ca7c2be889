"""The window's Record button: an MP4 of the view that plays in real time."""

from __future__ import annotations

import time

from cube_viz.app.paths import unused
from cube_viz.render.movie import MovieWriter
from cube_viz.render.view import grab

FPS = 30


class WindowMovie:
    def __init__(self):
        self.path = unused(f"cube-viz-{time.strftime('%Y%m%d-%H%M%S')}", ".mp4")
        self.writer = MovieWriter(self.path, FPS)
        self.start = time.perf_counter()

    def record(self, plotter) -> None:
        """The view, as many times as the movie needs to play in real time: a frame that took 100 ms to draw
        fills three of its 30 a second. Also while paused, so that turning the cube is recorded."""
        due = int((time.perf_counter() - self.start) * FPS) + 1 - self.writer.frames
        if due > 0:
            image = grab(plotter)  # renders the view, on screen too
            for _ in range(due):
                self.writer.add(image)

    def close(self) -> str:
        """Finish the file; what to say about it."""
        self.writer.close()
        if not self.writer.frames:
            return "movie: stopped before its first frame, nothing written"
        return f"movie: {self.path} ({self.writer.frames / FPS:.1f} s)"
