"""The desktop window's frame rate and training speed, against headless training in the same run.

    python scripts/bench_app.py [--seconds 20] [--speed 60]   # needs a display (e.g. xvfb-run -a python ...)

The worker trains as fast as it can (--speed 1000, the default here) while the window draws; then the same model trains
with no window. Ends with `app_fps=<frames drawn per second> app_steps_per_s=<training steps per second
in the app> headless_steps_per_s=<same model, no window> train_ratio=<app/headless>`.
Before it, where a frame's time goes: the scene update (frame -> actors) and VTK's render (which ends
with the frame shown in the view's native window).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from qtpy import QtCore, QtWidgets

from cube_viz.app.window import AppOptions, CubeWindow
from cube_viz.app.worker import TrainingWorker
from cube_viz.config import TrainConfig
from cube_viz.sim.trainer import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=1000.0,
                        help="training steps per second asked of the worker (default 1000: as fast as it goes; "
                             "the window's own default is 60)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    app = QtWidgets.QApplication(["cube-viz-bench"])
    worker = TrainingWorker({}, steps_per_second=args.speed)
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

    trainer = Trainer.from_config(TrainConfig())
    start = time.perf_counter()
    n = 0
    while time.perf_counter() < start + 5.0:
        trainer.step()
        n += 1
    headless = n / (time.perf_counter() - start)
    print(f"window, {args.seconds:.0f} s: {app_fps:.1f} frames/s, "
          f"{app_steps:.0f} training steps/s; headless {headless:.0f} steps/s")
    print(f"frame medians: scene update {1000 * np.median(updates):.0f} ms, render {render_ms:.0f} ms at {w}x{h}; "
          f"event-loop lag p95 {lag_p95:.0f} ms")
    print(f"app_fps={app_fps:.2f} app_steps_per_s={app_steps:.1f} headless_steps_per_s={headless:.1f} "
          f"train_ratio={app_steps / headless:.2f}")


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
