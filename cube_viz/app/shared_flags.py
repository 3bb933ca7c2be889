"""The flags several commands share (--checkpoint, --prompt, --ablate): defined once, checked once.

The command line checks them (check_shared_flags) before any command starts, so every command names a
missing checkpoint or a bad fraction the same way, before any training or rendering.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cube_viz.errors import UserError
from cube_viz.scene.elements import NAMES, parse_hidden

CHECKPOINT_HELP = {  # train has none: it continues a run with --resume
    "run": "start from this trained model",
    "scene": "draw this trained model (add --steps to train it further)",
    "record": "start from this trained model",
    "ablate": "the trained model to damage (default: train one first)",
}


def add_shared_flags(g: argparse._ArgumentGroup, command: str, ablate: str | None = None, hide: bool = False) -> None:
    """--prompt, --checkpoint (worded for `command`, if it takes one), --ablate when `ablate` says what it
    does there, and --hide for the commands that draw pictures."""
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


def hidden_elements(text: str) -> frozenset[str]:
    try:
        return parse_hidden(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def check_shared_flags(args: argparse.Namespace) -> None:
    """A missing checkpoint or a fraction outside [0, 1]: one line, before anything starts."""
    checkpoint = getattr(args, "checkpoint", None)
    if checkpoint and not Path(checkpoint).is_file():
        raise UserError(f"checkpoint not found: {checkpoint}")
    fraction = getattr(args, "ablate", None)
    if fraction is not None and not 0 <= fraction <= 1:
        raise UserError(f"--ablate must be a fraction in [0, 1], got {fraction:g}")
