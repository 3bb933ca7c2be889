"""The flags several commands share (--checkpoint, --prompt, --ablate, --hide, --rays): defined once, checked once.

The command line checks them (check_shared_flags) before any command starts, so every command names a
missing checkpoint or a bad fraction the same way, before any training or rendering.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cube_viz.errors import UserError
from cube_viz.scene.elements import NAMES, parse_hidden
from cube_viz.scene.rays import MAX_PER_LAYER, PER_LAYER

CHECKPOINT_HELP = {  # train has none: it continues a run with --resume
    "run": "start from this trained model",
    "scene": "draw this trained model (add --steps to train it further)",
    "record": "start from this trained model",
    "ablate": "the trained model to damage (default: train one first)",
}


def add_shared_flags(g: argparse._ArgumentGroup, command: str, ablate: str | None = None, hide: bool = False,
                     rays: bool = False) -> None:
    """--prompt, --checkpoint (worded for `command`, if it takes one), --ablate when `ablate` says what it
    does there, --hide for the commands that draw stills and movies, --rays for every command that draws."""
    if command in CHECKPOINT_HELP:
        g.add_argument("--checkpoint", metavar="PATH", help=CHECKPOINT_HELP[command])
    g.add_argument("--prompt", dest="probe", metavar="TEXT", default=argparse.SUPPRESS,
                   help="the prompt traced through the model: its light, its wall of words (default: a held-out "
                   "corpus sentence; TOML key probe)")
    if ablate is not None:
        g.add_argument("--ablate", type=float, metavar="FRACTION", help=ablate)
    if hide:
        g.add_argument("--hide", type=hidden_elements, default=frozenset(), metavar="NAME,NAME",
                       help=f"elements not drawn, e.g. hud,legend (of: {', '.join(NAMES)})")
    if rays:
        g.add_argument("--rays", type=int, default=PER_LAYER, metavar="N",
                       help=f"beams of light drawn per slab: the strongest contributions on the paths to the wall's "
                       f"top words (1 to {MAX_PER_LAYER}, default {PER_LAYER})")
        g.add_argument("--every-position", action="store_true",
                       help="the transformer: draw every word's attention (faint), not only the last word's")


def hidden_elements(text: str) -> frozenset[str]:
    try:
        return parse_hidden(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def check_shared_flags(args: argparse.Namespace) -> None:
    """A missing checkpoint, a fraction outside [0, 1] or a beam count out of range: one line, before anything
    starts."""
    checkpoint = getattr(args, "checkpoint", None)
    if checkpoint and not Path(checkpoint).is_file():
        raise UserError(f"checkpoint not found: {checkpoint}")
    fraction = getattr(args, "ablate", None)
    if fraction is not None and not 0 <= fraction <= 1:
        raise UserError(f"--ablate must be a fraction in [0, 1], got {fraction:g}")
    rays = getattr(args, "rays", None)
    if rays is not None and not 1 <= rays <= MAX_PER_LAYER:
        raise UserError(f"--rays must be a number of beams per slab from 1 to {MAX_PER_LAYER}, got {rays}")
