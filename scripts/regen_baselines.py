"""Regenerate the render tests' baseline images (after a deliberate change to the look).

    PYTHONPATH=. python scripts/regen_baselines.py    # writes tests/render/baselines/cube_{iso,side}.png
"""

from __future__ import annotations

import argparse

import imageio.v3 as iio

from cube_viz.render.snapshot_image import render_image
from tests.render.imagecheck import BASELINES
from tests.render.test_render import SIZE, baseline_scene


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    spec, frame = baseline_scene()
    BASELINES.mkdir(exist_ok=True)
    for camera in ("iso", "side"):
        path = BASELINES / f"cube_{camera}.png"
        iio.imwrite(path, render_image(spec, frame, SIZE, camera))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
