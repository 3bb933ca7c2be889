"""Where the camera looks: named views of the whole cube, close-ups of one slab, and the framing that fits
either to the view.

A CameraKey says how to look (azimuth, elevation, zoom, and the slab of a close-up); `resolve` turns it into
a View (focal point, visible half-height, the cut along the light) for a view of a given aspect, from the lattice alone:
the same framing for a still, every movie frame and the window, whatever has been rendered before.
Projection is parallel: the far wall's words stay as large as the near slabs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lattice import Lattice, attention_blocks

FILL = 0.92  # share of the view's height the framed box spans at zoom 1 ...
WIDTH_FILL = 0.68  # ... or of its width, if that binds first: side gutters stay for the overlays
CLOSE_UP = (-40.0, 0.0)  # a close-up's (azimuth, elevation): oblique, so that a plate's tilt leans it (a positive
# weight's top to the left, a negative's to the right), and level, so that weights of one size look one size (from
# 22 degrees up, plates tilted down were seen edge-on: thin slivers beside the full faces of those tilted up)
SENTENCE_ROOM = 0.1  # framed below the cube, in its half-widths: the context words stand there
CLOSE_UP_PLATES = 7.0  # a close-up frames this many pitches either side of its slab's middle, up and down


@dataclass(frozen=True)
class CameraKey:
    azimuth: float  # degrees, 0 = looking along the light from the front, positive = from the right
    elevation: float  # degrees above the slabs' middle
    zoom: float = 1.0  # 1: the framed box fills FILL of the view
    slab: str | None = None  # a close-up of this slab's middle ("attention:blocks.1": that block's attention zone,
    # from V to O); None: the whole cube


PRESETS = {"iso": CameraKey(-22.8, 17.7), "front": CameraKey(0.0, 0.0), "side": CameraKey(73.3, 13.1),
           "top": CameraKey(0.0, 89.0)}
CLOSE_UP_PREFIX = "slab:"
ZONE_PREFIX = "attention:"  # the close-up of a transformer block's attention zone: CameraKey.slab "attention:NAME"
ZONE = (-12.0, 62.0)  # seen from above and a little aside: the lanes and the beams crossing them spread out


def preset(name: str, slabs: tuple[str, ...] | None = None) -> CameraKey:
    """A named view: iso, front, side, top, slab:NAME (a close-up; NAME checked against `slabs` when given) or
    attention:BLOCK (the transformer's block BLOCK, e.g. blocks.1: its attention zone). ValueError naming the
    problem."""
    if name in PRESETS:
        return PRESETS[name]
    if name.startswith(ZONE_PREFIX):
        block = name[len(ZONE_PREFIX):]
        if slabs is not None and block not in (blocks := attention_blocks(slabs)):
            raise ValueError(f"no attention in {block!r} for camera {name!r} (blocks: {', '.join(blocks) or 'none'})")
        return CameraKey(*ZONE, slab=name)
    if name.startswith(CLOSE_UP_PREFIX):
        slab = name[len(CLOSE_UP_PREFIX):]
        if slabs is not None and slab not in slabs:
            raise ValueError(f"no slab {slab!r} for camera {name!r} (slabs: {', '.join(slabs)})")
        return CameraKey(*CLOSE_UP, slab=slab)
    raise ValueError(f"unknown camera preset {name!r}: use one of {', '.join(PRESETS)}, slab:NAME or "
                     "attention:BLOCK")


@dataclass(frozen=True)
class View:
    azimuth: float  # degrees
    elevation: float  # degrees
    focus: np.ndarray  # (3,) the focal point
    half_height: float  # visible half-height, world units (VTK's parallel scale)
    depth: float  # everything drawn lies within this distance of the focus (the camera's clipping range)
    cut: tuple[float, float]  # only what lies between these depths along the light (y) is drawn (+-inf: all)

    @property
    def direction(self) -> np.ndarray:
        return direction(self.azimuth, self.elevation)

    @property
    def up(self) -> tuple[float, float, float]:
        return view_up(self.elevation)


def direction(azimuth: float, elevation: float) -> np.ndarray:
    """(3,) unit vector from the focal point toward the camera."""
    az, el = math.radians(azimuth), math.radians(elevation)
    return np.array([math.sin(az) * math.cos(el), -math.cos(az) * math.cos(el), math.sin(el)])


def view_up(elevation: float) -> tuple[float, float, float]:
    """Slabs' up (+z) is the screen's up, except looking (nearly) straight down, where +y is."""
    return (0.0, 1.0, 0.0) if abs(elevation) > 80 else (0.0, 0.0, 1.0)


def screen_axes(azimuth: float, elevation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(right, up, toward the camera) unit vectors of the view, as VTK orthogonalises them."""
    d = direction(azimuth, elevation)
    up = np.array(view_up(elevation))
    up = up - up.dot(d) * d
    up /= np.linalg.norm(up)
    return np.cross(up, d), up, d


def box_corners(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(8, 3) corners of the axis-aligned box from lo (3,) to hi (3,)."""
    return np.array([[(lo, hi)[i >> k & 1][k] for k in range(3)] for i in range(8)], np.float64)


def framed_box(lattice: Lattice, slab: str | None) -> np.ndarray:
    """(8, 3) corners of what a key frames: the cube from its front face to the wall and the context words'
    row below it (scene.rays.entry_points), or the middle of one slab, CLOSE_UP_PLATES pitches either side
    (less where the slab is smaller), its biases included."""
    h = lattice.half_width
    if slab is None:
        return box_corners(np.array([-h, lattice.front_y, -h * (1 + SENTENCE_ROOM)]), np.array([h, lattice.wall_y, h]))
    if slab.startswith(ZONE_PREFIX):  # from just before V to just after O, the cube's width and height
        block = slab[len(ZONE_PREFIX):]
        v, o = lattice.slab(f"{block}.attn.v"), lattice.slab(f"{block}.attn.o")
        return box_corners(np.array([-h, v.y - 0.5 * v.pitch, -h]), np.array([h, o.y + 0.5 * o.pitch, h]))
    s = next(s for s in lattice.slabs if s.name == slab)
    plates = lattice.positions[s.weights]  # (rows * cols, 3)
    lo, hi = plates.min(axis=0), plates.max(axis=0)
    mid, reach = (lo + hi) / 2, np.minimum((hi - lo) / 2 + s.pitch / 2, CLOSE_UP_PLATES * s.pitch)
    reach[1] = 1.5 * s.pitch  # the slab's biases stand a pitch in front of it
    return box_corners(mid - reach, mid + reach)


def resolve(lattice: Lattice, key: CameraKey, aspect: float) -> View:
    """The view of `key` in a view `aspect` (width / height) wide: the framed box centred, filling FILL of
    the height or WIDTH_FILL of the width, whichever binds, divided by zoom. A close-up draws only its slab's
    layer of the cube (the slabs in front of it and the wall behind it would cover its plates)."""
    corners = framed_box(lattice, key.slab)
    right, up, toward = screen_axes(key.azimuth, key.elevation)
    x, y, z = corners @ right, corners @ up, corners @ toward  # (8,) each
    focus = right * (x.max() + x.min()) / 2 + up * (y.max() + y.min()) / 2 + toward * (z.max() + z.min()) / 2
    half = max(np.ptp(y) / 2 / FILL, np.ptp(x) / 2 / aspect / WIDTH_FILL) / key.zoom
    cut = (-math.inf, math.inf) if key.slab is None else (float(corners[:, 1].min()), float(corners[:, 1].max()))
    return View(key.azimuth, key.elevation, focus, float(half), float(4 * lattice.half_width + np.linalg.norm(focus)),
                cut)


def between(a: View, b: View, t: float) -> View:
    """The view t (0..1) of the way from a to b: angles, focus and the cut linearly (a close-up's layer
    opens out to the cube: an uncut side starts a view's depth beyond the other's cut), the half-height
    geometrically (a zoom feels even)."""
    if t <= 0 or t >= 1:
        return a if t <= 0 else b
    lerp = lambda p, q: p + (q - p) * t  # noqa: E731
    depth = max(a.depth, b.depth)
    cut = [(x, y) if math.isfinite(x) == math.isfinite(y) else
           (y + side * depth, y) if math.isfinite(y) else (x, x + side * depth)
           for x, y, side in ((a.cut[0], b.cut[0], -1), (a.cut[1], b.cut[1], 1))]
    return View(lerp(a.azimuth, b.azimuth), lerp(a.elevation, b.elevation), lerp(a.focus, b.focus),
                float(a.half_height * (b.half_height / a.half_height) ** t), depth,
                tuple(x if x == y else lerp(x, y) for x, y in cut))
