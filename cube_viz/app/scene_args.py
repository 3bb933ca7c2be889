"""Flags shared by the commands that draw the cube (screenshot, export), checked before any training."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cube_viz.app.paths import writable
from cube_viz.app.shared_flags import add_shared_flags
from cube_viz.errors import UserError
from cube_viz.scene.camera import PRESETS, preset
from cube_viz.scene.lattice import slab_names
from cube_viz.scene.rays import PER_LAYER

CAMERAS = (*PRESETS, "slab:NAME", "attention:BLOCK")
MAX_SIZE = (3840, 2160)


def add_scene_flags(p: argparse.ArgumentParser, size: str = "1920x1080", hide: bool = False,
                    scene_file: bool = False) -> None:
    """The scene flags; `scene_file` (export): the camera and size are a .gltf's view, not an image's."""
    g = p.add_argument_group("scene")
    add_shared_flags(g, "scene", hide=hide, rays=True, ablate="knock out this fraction of the reflectors (drawn dark "
                     "and flat; the wall shows the damaged model's prediction); the saved model stays intact")
    view = "; the .gltf's camera (a .vtm holds data only)" if scene_file else ""
    g.add_argument("--camera", default="iso", metavar="PRESET",
                   help=f"one of {', '.join(CAMERAS)} (a close-up of one slab, e.g. slab:hidden.0; of the "
                   f"transformer's attention zone, e.g. attention:blocks.1; default iso){view}")
    g.add_argument("--size", default=size, metavar="WxH",
                   help=("the .gltf camera's aspect, as an image size" if scene_file else "image size in pixels")
                   + f", up to 3840x2160 (default {size})")
    g.add_argument("--save-checkpoint", metavar="PATH", help="also save the trained model as a checkpoint")


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        raise UserError(f"--size must look like 1920x1080, got {text!r}")
    w, h = int(m[1]), int(m[2])
    if not (16 <= w <= MAX_SIZE[0] and 16 <= h <= MAX_SIZE[1]):
        raise UserError(f"--size {w}x{h} is outside 16x16 .. {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


@dataclass(frozen=True)
class SceneRequest:
    out: Path
    size: tuple[int, int]
    camera: str
    checkpoint: str | None
    save_checkpoint: Path | None
    ablate: float | None = None
    rays: int = PER_LAYER  # beams per slab
    every_position: bool = False  # the transformer: every word's attention drawn


def check_scene_args(args: argparse.Namespace, extensions: tuple[str, ...]) -> SceneRequest:
    """Every check that needs no training: output path and format, size, camera, --save-checkpoint."""
    out = Path(args.out)
    if out.suffix.lower() not in extensions:
        raise UserError(f"unsupported output format {out.suffix or '(none)'!r} for {out}: use {', '.join(extensions)}")
    writable(str(out), "output")
    camera_key(args.camera)
    save = writable(args.save_checkpoint, "--save-checkpoint") if args.save_checkpoint else None
    return SceneRequest(out, parse_size(args.size), args.camera, args.checkpoint, save, args.ablate, args.rays,
                        args.every_position)


def camera_key(name: str, slabs: tuple[str, ...] | None = None):
    """--camera's view; UserError for an unknown preset, or (with the model's `slabs`) an unknown slab."""
    try:
        return preset(name, slabs)
    except ValueError as e:
        raise UserError(str(e)) from None


def trained_for_scene(request: SceneRequest, overrides: dict[str, Any]):
    """(trainer, exit code) after the requested training: none by default for a checkpoint."""
    from cube_viz.app.train import make_trainer, train_steps
    from cube_viz.sim.checkpoint import save_checkpoint

    trainer = make_trainer(overrides, request.checkpoint)
    camera_key(request.camera, tuple(slab_names(trainer.initial_parameters().layout)))  # before any training
    steps = overrides.get("steps", 0) if request.checkpoint else trainer.steps_for(trainer.config)
    code = train_steps(trainer, steps)
    if request.save_checkpoint:
        save_checkpoint(trainer, request.save_checkpoint)
        print(f"checkpoint: {request.save_checkpoint} (step {trainer.step_count})")
    return trainer, code
