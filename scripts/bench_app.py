"""The desktop window's frame rate and training speed, against headless training in the same run.

    python scripts/bench_app.py [--seconds 20] [--speed 60] [--model transformer]   # needs a display (xvfb-run)

The worker trains as fast as it can (--speed 1000, the default here) while the window draws; then the same model trains
with no window, and the same view is drawn offscreen (preview look, the view's size, a step and a frame in turn, as
the window's timer would). Ends with `app_fps=<frames drawn per second> app_steps_per_s=<training steps per second
in the app> headless_steps_per_s=<same model, no window> train_ratio=<app/headless>
offscreen_fps=<frames/s offscreen> window_overhead=<offscreen_fps/app_fps>`.
Before it, where a frame's time goes: the scene update (frame -> actors) and VTK's render (which ends
with the frame shown in the view's native window).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from qtpy import QtCore, QtWidgets

from cube_viz.anim.director import Director
from cube_viz.app.window import MIN_TEXT_SCALE, AppOptions, CubeWindow
from cube_viz.app.worker import TrainingWorker
from cube_viz.config import TrainConfig
from cube_viz.render.cube import CubeView
from cube_viz.render.view import offscreen_plotter, set_camera
from cube_viz.scene.frame import CubeSpec
from cube_viz.sim.trainer import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=1000.0,
                        help="training steps per second asked of the worker (default 1000: as fast as it goes; "
                             "the window's own default is 60)")
    parser.add_argument("--model", default="mlp", choices=("mlp", "transformer"), help="the model (default mlp)")
    args = parser.parse_args()
    config = {"model": args.model}
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")  # offscreen: EGL; the window is X11
    torch.set_num_threads(1)
    app = QtWidgets.QApplication(["cube-viz-bench"])
    worker = TrainingWorker(dict(config), steps_per_second=args.speed)
    window = CubeWindow(worker, AppOptions())
    window.show()
    updates = time_updates(window)
    lags, last = [], [time.perf_counter()]

    def tick() -> None:  # how late a 20 ms timer fires: how long the event loop was blocked
        now = time.perf_counter()
        lags.append(max(0.0, now - last[0] - 0.02))
        last[0] = now

    probe = QtCore.QTimer()
    probe.timeout.connect(tick)
    end = time.perf_counter() + 2.0  # warm up
    while time.perf_counter() < end:
        app.processEvents(QtCore.QEventLoop.AllEvents, 50)
    frames0, steps0, start = window.frames_drawn, window.published.steps_done, time.perf_counter()
    updates.clear()
    probe.start(20)
    while time.perf_counter() < start + args.seconds:
        app.processEvents(QtCore.QEventLoop.AllEvents, 50)
    elapsed = time.perf_counter() - start
    app_fps = (window.frames_drawn - frames0) / elapsed
    app_steps = (window.published.steps_done - steps0) / elapsed
    probe.stop()
    render_ms = 1000 * np.median(window.render_seconds)
    w, h = window.plotter.ren_win.GetSize()
    lag_p95 = 1000 * np.percentile(lags[1:], 95)
    window.close()

    trainer = Trainer.from_config(TrainConfig(**config))
    start = time.perf_counter()
    n = 0
    while time.perf_counter() < start + 5.0:
        trainer.step()
        n += 1
    headless = n / (time.perf_counter() - start)
    print(f"{args.model} window, {args.seconds:.0f} s: {app_fps:.1f} frames/s, "
          f"{app_steps:.0f} training steps/s; headless {headless:.0f} steps/s")
    print(f"frame medians: scene update {1000 * np.median(updates):.0f} ms, render {render_ms:.0f} ms at {w}x{h}; "
          f"event-loop lag p95 {lag_p95:.0f} ms")
    offscreen = offscreen_fps((w, h), trainer)
    print(f"app_fps={app_fps:.2f} app_steps_per_s={app_steps:.1f} headless_steps_per_s={headless:.1f} "
          f"train_ratio={app_steps / headless:.2f} offscreen_fps={offscreen:.2f} "
          f"window_overhead={offscreen / app_fps:.2f}")


def offscreen_fps(size: tuple[int, int], trainer: Trainer, seconds: float = 5.0) -> float:
    """Frames per second of the window's picture drawn offscreen at `size`: a step, the director's frame,
    the actors updated, a render, as the window does while training plays."""
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    director = Director(spec)
    plotter = offscreen_plotter(size, "preview")
    view = CubeView(plotter, spec, text_scale=max(MIN_TEXT_SCALE, size[1] / 1080))
    set_camera(plotter, spec.lattice, "iso")
    plotter.show(auto_close=False)
    frames, start = 0, time.perf_counter()
    while time.perf_counter() < start + seconds:
        director.show(trainer.step(capture=True), time.perf_counter(), playing=True)
        view.update(director.frame_at(time.perf_counter()))
        plotter.render()
        frames += 1
    fps = frames / (time.perf_counter() - start)
    plotter.close()
    return fps


def time_updates(window: CubeWindow) -> list[float]:
    """Seconds of each scene update (frame -> actors), appended as they happen."""
    seconds: list[float] = []
    update = window.view.update

    def timed_update(frame) -> None:
        start = time.perf_counter()
        update(frame)
        seconds.append(time.perf_counter() - start)

    window.view.update = timed_update
    return seconds


if __name__ == "__main__":
    main()
