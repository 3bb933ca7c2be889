"""Cost of laying the overlays out each frame (render/overlays.py), measuring and projecting included.

    python scripts/bench_overlays.py [--frames 200] [--size 1920x1080] [--camera iso]

A small model with the default vocabulary (256 wall words), a playing step's frame with a caption, a
banner and the loss chart; the HUD's text changes every frame (a new step number), as it does while
training. Renders once, then calls the layout `--frames` times. Prints a table of medians in ms: the
whole layout (`place`: cached unless its inputs changed; "camera moved": afresh), its pure part
(scene/overlay_layout.layout) and the wall's projection.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np


def median_ms(fn, frames: int) -> float:
    times = []
    for i in range(frames):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--camera", default="iso")
    args = parser.parse_args()

    from cube_viz.anim.cycle import cycle_frame
    from cube_viz.app.scene_args import parse_size
    from cube_viz.config import TrainConfig
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera
    from cube_viz.scene.facts import hud_text
    from cube_viz.scene.frame import CubeSpec, Losses
    from cube_viz.scene.overlay_layout import layout
    from cube_viz.sim.trainer import Trainer

    size = parse_size(args.size)
    board = tomllib.loads((Path(__file__).parents[1] / "assets/storyboards/lecture.toml").read_text())
    caption = max((s["caption"] for s in board["shot"] if "caption" in s), key=len)
    t = Trainer.from_config(TrainConfig(context=3, embed=8, hidden=(16,), weight_decay=0.01))
    before, after = t.snapshot(), t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    losses = Losses(np.arange(1, 201), 5 - np.linspace(0, 2, 200), 50)
    frame = replace(cycle_frame(spec, before, after, 0.5, 4.0), caption=caption, banner="epoch 2 begins",
                    losses=losses)
    plotter = offscreen_plotter(size, "preview")
    view = CubeView(plotter, spec, text_scale=size[1] / 1080)
    view.update(frame)
    set_camera(plotter, spec.lattice, args.camera)
    grab(plotter)
    overlays, hud = view.overlays, view["hud"]

    def place(i: int) -> None:
        hud.content = hud_text(replace(frame, step=frame.step + i), spec.vocab)  # a new HUD text each frame
        overlays.place()

    def still(i: int) -> None:
        overlays.place()

    def moved(i: int) -> None:
        overlays._key = None  # as after a camera move: laid out afresh
        overlays.place()

    rows = [("place, HUD text new each frame", median_ms(place, args.frames)),
            ("place, nothing changed", median_ms(still, args.frames)),
            ("place, camera moved", median_ms(moved, args.frames))]
    words, cube = overlays.keep_out()
    rows.append(("projecting the wall's words", median_ms(lambda i: overlays.keep_out(), args.frames)))
    plan = [o for o in overlays.last_overlays]
    rows.append(("pure layout (sizes cached)", median_ms(
        lambda i: layout(size, plan, words, cube, 0.012 * size[1]), args.frames)))
    plotter.close()
    print(f"{'overlay layout at ' + args.size + ', ' + args.camera:<40} median ms")
    for name, ms in rows:
        print(f"{name:<40} {ms:9.3f}")


if __name__ == "__main__":
    main()
