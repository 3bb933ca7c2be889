"""`cube-viz` / `cube-viz run`: the desktop window, training live."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import signal
import sys
from typing import Any

from cube_viz.app.paths import writable
from cube_viz.app.shared_flags import add_shared_flags
from cube_viz.config import TrainConfig
from cube_viz.errors import UserError

MAX_SPEED = 1000  # the speed slider's top
MAX_EXIT_AFTER = 1_000_000  # seconds; Qt's timers count milliseconds in 32 bits
NO_DISPLAY_HINT = "use `cube-viz record OUT.mp4` or `cube-viz screenshot OUT.png` to render without one"


def add_run_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("window")
    add_shared_flags(g, "run", rays=True)
    g.add_argument("--save", metavar="PATH", help="write a checkpoint here when the window closes")
    g.add_argument("--speed", type=float, default=60.0, metavar="STEPS",
                   help=f"training steps per second, up to {MAX_SPEED} (default 60)")
    g.add_argument("--paused", action="store_true", help="open paused")
    g.add_argument("--exit-after", type=float, metavar="SECONDS",
                   help="close the window after this long (kiosks, tests)")
    g.add_argument("--screenshot-on-exit", metavar="PATH.png", help="save the final view as a PNG when closing")


def check_display() -> None:
    """A one-line error, at once, when there is no X display the window could open on.

    The 3D view is a native X11 window (VTK draws into it directly, see window.py), so Qt is asked for
    X11 too (XWayland on a Wayland desktop).
    """
    if not sys.platform.startswith("linux"):
        return  # macOS and Windows have their own window systems
    display, wayland = os.environ.get("DISPLAY"), os.environ.get("WAYLAND_DISPLAY")
    if not display and not wayland:
        raise UserError(f"no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); {NO_DISPLAY_HINT}")
    if not display:
        raise UserError(f"the window needs X11 or XWayland, and DISPLAY is unset; {NO_DISPLAY_HINT}")
    os.environ["QT_QPA_PLATFORM"] = "xcb"  # VTK draws into the view's X11 window (also under XWayland)
    from cube_viz.render.native import can_open_x11_windows

    if not can_open_x11_windows():
        raise UserError(f"this VTK build cannot open X11 windows; {NO_DISPLAY_HINT}")
    lib = ctypes.util.find_library("X11")
    if lib:
        x11 = ctypes.CDLL(lib)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        handle = x11.XOpenDisplay(display.encode())
        if not handle:
            raise UserError(f"cannot open display {display!r}; {NO_DISPLAY_HINT}")
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay(handle)


def run_app(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    save = writable(args.save, "--save") if args.save else None
    shot = writable(args.screenshot_on_exit, "--screenshot-on-exit") if args.screenshot_on_exit else None
    if shot is not None and shot.suffix.lower() != ".png":
        raise UserError(f"--screenshot-on-exit must end in .png: {shot}")
    if args.exit_after is not None and not 0 < args.exit_after <= MAX_EXIT_AFTER:
        raise UserError(f"--exit-after must be a number of seconds above 0 and at most {MAX_EXIT_AFTER:,}")
    if not 0 < args.speed <= MAX_SPEED:
        raise UserError(f"--speed must be a number of training steps per second above 0 and at most {MAX_SPEED}")
    TrainConfig.from_dict(overrides, source="flags")  # a bad flag is named first, display or not
    check_display()

    from cube_viz.app.worker import TrainingWorker

    # the training process starts first: it loads torch and the corpus while this one loads Qt and VTK
    worker = TrainingWorker(overrides, args.checkpoint, args.speed, playing=not args.paused, save=save)
    from qtpy import QtCore, QtWidgets

    from cube_viz.app.splash import loading_splash

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["cube-viz"])
    splash = loading_splash()
    try:  # bad flags, corpus or prompt: the window's first look at worker.info raises, before it is shown
        from cube_viz.app.window import AppOptions, CubeWindow

        window = CubeWindow(worker, AppOptions(args.exit_after, shot, rays=args.rays,
                                               every_position=args.every_position))
    finally:
        splash.close()
    # Ctrl-C in the terminal closes the window as its close button does: training stops, --save is written.
    # Python runs the handler at its next bytecode, which can be inside a render (the window's render
    # observers are Python): the close waits for the event loop, or it would pull the GL context from under it
    signal.signal(signal.SIGINT, lambda *_: QtCore.QTimer.singleShot(0, window.close))
    window.show()
    saving = f" (the model is saved to {save})" if save else ""
    print(f"cube-viz: the window is open; close it or press Ctrl-C here to stop{saving}", flush=True)
    app.exec()
    return 0
