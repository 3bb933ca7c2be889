"""Frame time of the default scene: new snapshot -> arrays -> render, against bare points as a floor.

    python scripts/bench_scene.py [--frames 40] [--size 1280x720]

Each frame trains one step with capture, builds the scene arrays, updates the actors in place and
renders offscreen (EGL), reading the pixels back. The floor renders the same number of one-pixel
points in the same window. Ends with `frame_ms=<median> fps=<1000/median> reflectors=<n> floor_ms=<points median>`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pyvista as pv
import torch

from cube_viz.app.scene_args import parse_size
from cube_viz.config import TrainConfig
from cube_viz.render.cube import CubeView
from cube_viz.render.view import offscreen_plotter, set_camera
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer


def timed(fn, frames: int) -> list[float]:
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    size = parse_size(args.size)
    torch.set_num_threads(1)
    trainer = Trainer.from_config(TrainConfig())
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    n = len(spec.lattice.positions)

    frame_ms, parts = scene_frames(trainer, spec, size, args.frames, "preview")
    record_ms, _ = scene_frames(trainer, spec, size, max(10, args.frames // 3), "record")

    floor = offscreen_plotter(size, "preview")
    cloud = pv.PolyData(spec.lattice.positions.copy())
    floor.add_mesh(cloud, color="white", point_size=1, lighting=False)
    set_camera(floor, spec.lattice, "iso")
    floor.show(auto_close=False)

    def points():
        cloud.points[:] = cloud.points + np.float32(0)
        floor.render()
        floor.screenshot(return_img=True)

    timed(points, 5)
    floor_ms = statistics.median(timed(points, args.frames))
    floor.close()

    print(f"default scene: {n} reflectors, {len(spec.lattice.bias_positions)} biases, {len(spec.vocab)} words, "
          f"{size[0]}x{size[1]}, {args.frames} frames, preview look (the record look adds FXAA and a gradient)")
    for key, values in parts.items():
        print(f"  {key:<8} median {statistics.median(values):7.1f} ms")
    print(f"  record look: frame median {record_ms:.1f} ms ({1000 / record_ms:.1f} fps)")
    print(f"frame_ms={frame_ms:.1f} fps={1000 / frame_ms:.1f} reflectors={n} floor_ms={floor_ms:.1f}")


def scene_frames(trainer: Trainer, spec: CubeSpec, size: tuple[int, int], frames: int, look: str):
    """Median ms of (training step with capture -> scene arrays -> actors -> render -> pixels), and the parts."""
    plotter = offscreen_plotter(size, look)
    view = CubeView(plotter, spec, text_scale=size[1] / 1080)
    set_camera(plotter, spec.lattice, "iso")
    plotter.show(auto_close=False)
    parts = {"step": [], "arrays": [], "update": [], "render": []}

    def frame():
        t0 = time.perf_counter()
        snapshot = trainer.step(capture=True)
        t1 = time.perf_counter()
        f = build_frame(spec, snapshot)
        t2 = time.perf_counter()
        view.update(f)
        t3 = time.perf_counter()
        plotter.render()
        plotter.screenshot(return_img=True)
        t4 = time.perf_counter()
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[key].append(dt * 1000)

    timed(frame, 5)  # warm-up
    for p in parts.values():
        p.clear()
    frame_ms = statistics.median(timed(frame, frames))
    plotter.close()
    return frame_ms, parts


if __name__ == "__main__":
    main()
