"""Movie files from rendered frames: MP4 (H.264 through imageio-ffmpeg) or GIF."""

from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import numpy as np


class MovieWriter:
    """Appends (H, W, 3) uint8 frames; `close()` (also on Ctrl-C, via `with`) leaves a playable file."""

    def __init__(self, path: Path, fps: float):
        self.path, self.frames = path, 0
        self.size: tuple[int, int] | None = None  # (H, W) of every frame: the first frame's (even for MP4)
        self._cut = 1 if path.suffix.lower() == ".gif" else 2
        if path.suffix.lower() == ".gif":
            self._writer = imageio.get_writer(path, mode="I", duration=1000 / fps, loop=0)
        else:
            # macro_block_size=1: exactly the frames' size (made even in add(), for yuv420p);
            # quality 8 = crf 10; veryfast leaves the second core to the rasterizer; +faststart plays while loading
            self._writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=8, macro_block_size=1,
                                              pixelformat="yuv420p",
                                              ffmpeg_params=["-preset", "veryfast", "-movflags", "+faststart"])

    def add(self, frame: np.ndarray) -> None:
        """A frame of any size (a window can be resized while it records): cut or padded with black to the
        first frame's size; in an MP4 without an odd last row or column (H.264's yuv420p needs even sizes)."""
        if self.size is None:
            self.size = (frame.shape[0] - frame.shape[0] % self._cut, frame.shape[1] - frame.shape[1] % self._cut)
        h, w = self.size
        if frame.shape[:2] != (h, w):
            fitted = np.zeros((h, w, 3), np.uint8)
            fitted[: frame.shape[0], : frame.shape[1]] = frame[:h, :w, :3]
            frame = fitted
        self._writer.append_data(frame[..., :3])
        self.frames += 1

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> MovieWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
