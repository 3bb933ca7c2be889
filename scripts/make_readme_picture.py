"""Render the README pictures: the default model after 2,000 steps at 4K, reduced to 1600x900; the same for the
default transformer, from the top, on the prompt of its verb head.

    python scripts/make_readme_picture.py     # writes assets/cube.png and assets/transformer.png
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ASSETS = Path(__file__).parents[1] / "assets"
PICTURES = {"cube.png": [],
            "transformer.png": ["--model", "transformer", "--camera", "top", "--prompt", "the boy reads the long"]}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    for name, flags in PICTURES.items():
        with tempfile.TemporaryDirectory() as tmp:
            shot = Path(tmp) / "4k.png"
            subprocess.run([sys.executable, "-m", "cube_viz", "screenshot", str(shot), "--size", "3840x2160", *flags],
                           check=True)
            Image.open(shot).resize((1600, 900), Image.Resampling.LANCZOS).save(ASSETS / name, optimize=True)
        print(f"wrote {ASSETS / name}")


if __name__ == "__main__":
    main()
