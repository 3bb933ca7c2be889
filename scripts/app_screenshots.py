"""Screenshots of the desktop window in use, for the README and for review (needs a display, e.g. Xvfb,
and ImageMagick's `import` to capture the screen: QWidget.grab() cannot see what VTK draws into the view's
native window).

    xvfb-run -a -s "-screen 0 1700x1000x24" python scripts/app_screenshots.py OUTDIR

Writes playing.png, paused-selected.png, history.png and help.png.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from qtpy import QtCore, QtWidgets

from cube_viz.app.window import AppOptions, CubeWindow
from cube_viz.app.worker import TrainingWorker


def wait(app: QtWidgets.QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QtCore.QEventLoop.AllEvents, 50)


def capture(window: QtWidgets.QMainWindow, path: Path) -> None:
    geometry = window.frameGeometry()
    subprocess.run(["import", "-window", "root", "-crop",
                    f"{geometry.width()}x{geometry.height()}+{geometry.x()}+{geometry.y()}", str(path)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=".", help="folder for the PNGs (default: here)")
    out = Path(parser.parse_args().outdir)
    out.mkdir(parents=True, exist_ok=True)
    app = QtWidgets.QApplication(["cube-viz"])
    window = CubeWindow(TrainingWorker({}, steps_per_second=120), AppOptions(size=(1600, 960)))
    window.move(0, 0)
    window.show()
    wait(app, 12)
    capture(window, out / "playing.png")
    window.toggle_play()
    wait(app, 1)
    lat = window.spec.lattice
    window.select(lat.slabs[-1].weights.start + 2 * lat.slabs[-1].cols + 12)  # out.weight row 2, col 12
    wait(app, 1)
    capture(window, out / "paused-selected.png")
    window.toggle_play()
    wait(app, 4)
    window.panel.timeline.setValue(window.panel.timeline.maximum() // 3)
    window.scrub_to(window.panel.timeline.value())
    wait(app, 1)
    capture(window, out / "history.png")
    window.go_live()
    window.toggle_help()
    wait(app, 1)
    capture(window, out / "help.png")
    window.close()
    print(f"wrote {out}/playing.png, paused-selected.png, history.png, help.png")


if __name__ == "__main__":
    main()
