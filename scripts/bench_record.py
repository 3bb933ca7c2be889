"""Recording speed and memory: the default model at 1920x1080, render + encode, training tempo.

    python scripts/bench_record.py [--frames 90] [--size 1920x1080]
    python scripts/bench_record.py --frames 10000 --size 320x180 --soak   # memory over a long recording

Ends with `record_fps=<frames per second, render+encode> size=WxH reflectors=<n> peak_rss_mb=<m>`.
With --soak it also prints the resident memory every 1,000 frames, to show it stays flat.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import torch

from cube_viz.anim.cycle import training_frame
from cube_viz.app.scene_args import parse_size
from cube_viz.config import TrainConfig
from cube_viz.render.cube import CubeView
from cube_viz.render.movie import MovieWriter
from cube_viz.render.view import grab, offscreen_plotter, set_camera
from cube_viz.scene.frame import CubeSpec
from cube_viz.sim.trainer import Trainer


def rss_mb() -> float:
    """Current resident memory (Linux /proc), MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--soak", action="store_true", help="print memory every 1,000 frames")
    parser.add_argument("--look", default="record", choices=("record", "preview"),
                        help="record: FXAA and gradient (what cube-viz record draws by default); preview: neither")
    args = parser.parse_args()
    size = parse_size(args.size)
    torch.set_num_threads(1)
    trainer = Trainer.from_config(TrainConfig())
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    plotter = offscreen_plotter(size, args.look)
    view = CubeView(plotter, spec, text_scale=size[1] / 1080)
    set_camera(plotter, spec.lattice, "iso")
    times, memory = [], []
    with tempfile.TemporaryDirectory() as tmp, MovieWriter(Path(tmp) / "bench.mp4", 30) as movie:
        for i in range(args.frames + 5):
            start = time.perf_counter()
            snapshot = trainer.step(capture=True)  # training tempo at 30 steps/s: one step a frame
            view.update(training_frame(spec, snapshot))
            movie.add(grab(plotter))
            if i >= 5:  # the first frames warm caches up
                times.append(time.perf_counter() - start)
            if args.soak and i % 1000 == 0:
                memory.append(rss_mb())
                print(f"  frame {i:6d}: rss {memory[-1]:.1f} MB", flush=True)
    plotter.close()
    median = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.frames} frames at {size[0]}x{size[1]}, {args.look} look: median {median * 1000:.1f} ms a frame "
          f"(train step, scene arrays, render, read back, encode)")
    if args.soak and len(memory) > 2:
        print(f"memory from frame 1000 to the end: {memory[1]:.1f} -> {memory[-1]:.1f} MB "
              f"({memory[-1] - memory[1]:+.1f} MB)")
    print(f"record_fps={1 / median:.2f} size={size[0]}x{size[1]} reflectors={len(spec.lattice.positions)} "
          f"peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
