"""Render the README picture: the default model after 2,000 steps at 4K, reduced to 1600x900.

    python scripts/make_readme_picture.py     # writes assets/cube.png
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

OUT = Path(__file__).parents[1] / "assets" / "cube.png"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "cube-4k.png"
        subprocess.run([sys.executable, "-m", "cube_viz", "screenshot", str(shot), "--size", "3840x2160"], check=True)
        Image.open(shot).resize((1600, 900), Image.Resampling.LANCZOS).save(OUT, optimize=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
