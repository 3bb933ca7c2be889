"""What the window saves: screenshots of the view (at its own size or drawn afresh at another), and MP4s
of the view that play in real time."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from cube_viz.app.paths import unused
from cube_viz.render.movie import MovieWriter
from cube_viz.render.view import grab

FPS = 30


def view_image(plotter, spec, frame, size: str, transparent: bool, hidden, marked) -> np.ndarray:
    """(H, W, 3 or 4) the view: as it is on screen (`size` "window"), or drawn afresh offscreen at "WxH"
    (text and lines scaled with it), the view as the user left it: camera, hidden elements, selection."""
    if size == "window":
        return grab(plotter, transparent)
    from cube_viz.render.snapshot_image import render_image

    w, h = (int(v) for v in size.split("x"))
    return render_image(spec, frame, (w, h), plotter, transparent, hidden, marked)


def save_png(path: Path, image: np.ndarray) -> str | None:
    """Write the picture; None, or why it could not be written."""
    import imageio.v3 as iio

    try:
        iio.imwrite(path, image, extension=".png")
    except OSError as e:
        return str(e)
    return None


class WindowMovie:
    def __init__(self, clock=time.perf_counter):
        self.path = unused(f"cube-viz-{time.strftime('%Y%m%d-%H%M%S')}", ".mp4")
        self.writer = MovieWriter(self.path, FPS)
        self.clock = clock  # seconds: the wall clock the movie keeps time with
        self.start = clock()

    def record(self, plotter) -> None:
        """The view, as many times as the movie needs to play in real time: a frame that took 100 ms to draw
        fills three of its 30 a second. Also while paused, so that turning the cube is recorded."""
        due = int((self.clock() - self.start) * FPS) + 1 - self.writer.frames
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
