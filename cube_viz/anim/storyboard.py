"""Lecture storyboards: a TOML list of shots, checked field by field before anything renders.

    [[shot]]
    duration = 12                      # seconds
    camera = ["iso", {azimuth = 60, elevation = 20, zoom = 1.2}]   # keyframes, eased between;
                                       # "slab:hidden.0": a close-up of that slab
    caption = "Every plate is one weight."
    highlight = "layer:hidden.0"       # or "wall", "rays", "reflector:out:2:12", "attention:blocks.1"
    training = "pause"                 # pause | lecture (one step's cycle, slowly) | training (many steps)
    steps_per_second = 60              # training only
    cycle_seconds = 6                  # lecture only: seconds per step's cycle (default 4)
    exaggeration = 3                   # lecture only: turns overshoot x3 and settle on the true weight
    weight_decay = 0.01                # optional: change the live run's weight decay (or lr) from this shot on
    prompt = "the boy reads the long"  # optional: the prompt traced from this shot on (not with --from-run)
    every_position = true              # optional, the transformer: every word's attention and the causal mask
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cube_viz.anim.cycle import CYCLE_SECONDS
from cube_viz.config import load_toml
from cube_viz.errors import UserError
from cube_viz.scene.camera import PRESETS, CameraKey, View, between, preset, resolve
from cube_viz.scene.lattice import Lattice, attention_blocks

TRAINING = ("pause", "lecture", "training")
FIELDS = {"duration", "camera", "caption", "highlight", "training", "steps_per_second", "cycle_seconds",
          "exaggeration", "lr", "weight_decay", "prompt", "every_position"}


@dataclass(frozen=True)
class Shot:
    duration: float
    cameras: tuple[CameraKey, ...] = (PRESETS["iso"],)
    caption: str | None = None
    highlight: str | None = None
    training: str = "pause"
    steps_per_second: float = 60.0
    cycle_seconds: float = CYCLE_SECONDS
    exaggeration: float = 1.0
    lr: float | None = None
    weight_decay: float | None = None
    prompt: str | None = None  # traced from this shot on (None: the one before)
    every_position: bool = False  # the transformer: every word's attention and the causal mask drawn


class StoryboardError(UserError):
    pass


def camera_key(value, where: str, layers: Layers | None = None) -> CameraKey:
    """A preset name (iso, front, side, top, slab:NAME, attention:BLOCK) or a table {azimuth, elevation, zoom,
    slab}."""
    names = None if layers is None else tuple(layers)
    if isinstance(value, str):
        try:
            return preset(value, names)
        except ValueError as e:
            raise StoryboardError(f"{where}: {e}") from None
    if isinstance(value, dict):
        unknown = set(value) - {"azimuth", "elevation", "zoom", "slab"}
        if unknown:
            raise StoryboardError(f"{where}: unknown camera key {sorted(unknown)[0]!r}")
        slab = value.get("slab")
        if slab is not None and not isinstance(slab, str):
            raise StoryboardError(f"{where}: slab must be a slab's name, got {slab!r}")
        base = PRESETS["iso"] if slab is None else camera_key(f"slab:{slab}", where, layers)
        try:
            key = CameraKey(float(value.get("azimuth", base.azimuth)), float(value.get("elevation", base.elevation)),
                            float(value.get("zoom", 1.0)), slab)
        except (TypeError, ValueError):
            raise StoryboardError(f"{where}: azimuth, elevation and zoom must be numbers") from None
        if not (-90 <= key.elevation <= 90 and key.zoom > 0):
            raise StoryboardError(f"{where}: elevation must lie in [-90, 90] and zoom be positive")
        return key
    raise StoryboardError(f"{where}: a camera is a preset name or a table {{azimuth, elevation, zoom, slab}}")


Layers = Mapping[str, tuple[int, int]] | Iterable[str]  # the slabs' (rows, cols) by name, or their names only


def parse_shot(raw: dict, where: str, layers: Layers | None = None) -> Shot:
    unknown = set(raw) - FIELDS
    if unknown:
        raise StoryboardError(f"{where}: unknown field {sorted(unknown)[0]!r}")

    def number(field: str, default, positive: bool = True, optional: bool = False):
        value = raw.get(field, default)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0) or value < 0:
            raise StoryboardError(f"{where}: field {field!r} must be a {'positive ' if positive else ''}number, "
                                  f"got {value!r}")
        return float(value)

    if "duration" not in raw:
        raise StoryboardError(f"{where}: field 'duration' is missing")
    cams = raw.get("camera", "iso")
    cams = cams if isinstance(cams, list) else [cams]
    if not cams:
        raise StoryboardError(f"{where}: field 'camera' needs at least one keyframe")
    training = raw.get("training", "pause")
    if training not in TRAINING:
        raise StoryboardError(f"{where}: field 'training' must be one of {', '.join(TRAINING)}, got {training!r}")
    for text_field in ("caption", "highlight", "prompt"):
        if text_field in raw and not isinstance(raw[text_field], str):
            raise StoryboardError(f"{where}: field {text_field!r} must be a text")
    if not isinstance(raw.get("every_position", False), bool):
        raise StoryboardError(f"{where}: field 'every_position' must be true or false")
    highlight = raw.get("highlight")
    if highlight is not None:
        check_highlight(highlight, f"{where}: field 'highlight'", layers)
    return Shot(duration=number("duration", None),
                cameras=tuple(camera_key(c, f"{where}: field 'camera'", layers) for c in cams),
                caption=raw.get("caption"), highlight=highlight, training=training,
                steps_per_second=number("steps_per_second", 60.0), cycle_seconds=number("cycle_seconds", CYCLE_SECONDS),
                exaggeration=number("exaggeration", 1.0), lr=number("lr", None, optional=True),
                weight_decay=number("weight_decay", None, positive=False, optional=True), prompt=raw.get("prompt"),
                every_position=raw.get("every_position", False))


def check_highlight(value: str, where: str, layers: Layers | None) -> None:
    """With the layers known, the layer must exist; with their shapes, a reflector's row and column too."""
    parts = value.split(":")
    ok = value in ("wall", "rays") or (parts[0] in ("layer", "attention") and len(parts) == 2) or (
        parts[0] == "reflector" and len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit())
    if not ok:
        raise StoryboardError(f"{where}: use wall, rays, layer:NAME, reflector:LAYER:ROW:COL or attention:BLOCK, "
                              f"got {value!r}")
    if layers is None or parts[0] not in ("layer", "reflector", "attention"):
        return
    names = tuple(layers)
    if parts[0] == "attention":
        if parts[1] not in (blocks := attention_blocks(names)):
            raise StoryboardError(f"{where}: no attention in {parts[1]!r} (blocks: {', '.join(blocks) or 'none'})")
        return
    if parts[1] not in names:
        raise StoryboardError(f"{where}: no layer {parts[1]!r} (layers: {', '.join(names)})")
    if parts[0] == "reflector" and isinstance(layers, Mapping):
        for index, size, unit in zip(map(int, parts[2:]), layers[parts[1]], ("row", "column"), strict=True):
            if index >= size:
                raise StoryboardError(f"{where}: {unit} {index} is outside layer {parts[1]} "
                                      f"({unit}s 0..{size - 1})")


def load_storyboard(path: str | Path, layers: Layers | None = None) -> list[Shot]:
    """The shots of a storyboard file; StoryboardError naming the file, the shot and the field.

    `layers`: the model's layer names, or {name: (rows, cols)} to check reflector highlights' rows and
    columns as well (known once the model is built, before anything trains)."""
    p = Path(path)
    data = load_toml(p, "storyboard", StoryboardError)
    shots = data.get("shot")
    if not isinstance(shots, list) or not shots:
        raise StoryboardError(f"{p}: no shots (write each as a [[shot]] table)")
    return [parse_shot(raw, f"{p}: shot {i}", layers) for i, raw in enumerate(shots, start=1)]


def interpolate_camera(keys: tuple[CameraKey, ...], progress: float, lattice: Lattice, aspect: float) -> View:
    """The eased view between keyframes spread evenly over the shot (progress 0..1), in a view `aspect`
    (width / height) wide: each key framed as a still of it would be, the flight between them eased."""
    from cube_viz.anim.easing import ease_in_out_cubic

    x = min(max(progress, 0.0), 1.0) * (len(keys) - 1)
    i = min(int(x), max(0, len(keys) - 2))
    if len(keys) == 1:
        return resolve(lattice, keys[0], aspect)
    a = float(ease_in_out_cubic(x - i))
    return between(resolve(lattice, keys[i], aspect), resolve(lattice, keys[i + 1], aspect), a)
