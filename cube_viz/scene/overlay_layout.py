"""Where the overlays go: their measured sizes and the boxes they must keep clear of in, their boxes and
scales out. Pure (render measures the texts and projects the wall; this decides). A layout from scratch
costs ~1 ms for six overlays beside a 256-word wall (scripts/bench_overlays.py); render/overlays.py lays
out afresh only when its inputs change.

Boxes are (left, bottom, right, top) in display pixels, origin at the lower left, as VTK's are.

Each overlay starts at its corner of the frame and slides along the frame's side towards the other corner
(never wholly into the other half) until it is clear of the frame's edge, the wall's words and the
overlays placed before it; where it is not clear anywhere it is tried smaller (and in its other variants,
e.g. wrapped narrower), down to its floor; where it is still not clear it tries its other corners, if it
has any, then it is left out. Overlays are placed in the order given: the first ones win. Two passes:
first keeping clear of the cube as well (the side gutters a centred cube leaves), then only of the words
(over the faint glass and plates, on a backdrop).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6, 0.55, 0.5)  # tried in this order, down to an overlay's floor
NO_BOXES = np.zeros((0, 4))


@dataclass(frozen=True)
class Overlay:
    name: str
    corner: str  # "upper_left", "upper_right", "lower_left" or "lower_right": where it starts
    size: Callable[[int, float], tuple[float, float]]  # (variant, scale) -> (width, height) in pixels
    variants: int = 1  # alternative contents, best first (a caption wrapped wider, then narrower)
    floor: float = 0.6  # the smallest scale it may be drawn at
    over_wall: bool = False  # may cover the wall's words (the window's help, asked for and dismissed)
    elsewhere: tuple[str, ...] = ()  # corners tried, in order, where it fits nowhere at its own
    variant_cost: float = 0.88  # each variant counts as drawn this much smaller: tries go by scale x cost^variant
    # (0.88: prose wraps a line narrower before it shrinks much; 0.5: a table shrinks to its floor first)


@dataclass(frozen=True)
class Placed:
    box: tuple[float, float, float, float]  # (left, bottom, right, top)
    scale: float
    variant: int


def layout(size: tuple[int, int], overlays: Sequence[Overlay], words: np.ndarray = NO_BOXES,
           cube: tuple[float, float, float, float] | None = None, gap: float = 0.0) -> dict[str, Placed]:
    """The box, scale and variant of each overlay that fits, by name (those left out are missing).

    size: the frame's (width, height); words: (K, 4) boxes of the wall's words; cube: the cube's box on
    screen (kept clear of where the overlays fit beside it); gap: the pixels kept between any two boxes and
    between a box and the frame's edge.
    """
    words = np.asarray(words, np.float64).reshape(-1, 4)
    # beside the cube, the words inside its box add nothing to the box itself: (k, 4) those outside it
    outside = words if cube is None else words[(words[:, 0] < cube[0]) | (words[:, 1] < cube[1]) |
                                                (words[:, 2] > cube[2]) | (words[:, 3] > cube[3])]
    placed: dict[str, Placed] = {}
    for overlay in overlays:
        taken = np.array([p.box for p in placed.values()]).reshape(-1, 4)
        hard = taken if overlay.over_wall else np.concatenate([taken, words])
        passes = [hard] if cube is None else [
            np.concatenate([taken if overlay.over_wall else np.concatenate([taken, outside]), [cube]]), hard]
        for obstacles in passes:
            spot = next((s for corner in (overlay.corner, *overlay.elsewhere)
                         if (s := _first_fit(size, overlay, corner, obstacles, gap)) is not None), None)
            if spot is not None:
                placed[overlay.name] = spot
                break
    return placed


def _first_fit(size, overlay: Overlay, corner: str, obstacles: np.ndarray, gap: float) -> Placed | None:
    """The try with the largest scale x variant_cost^variant that fits. A box that fits at a corner's side
    fits there smaller too (a smaller box at the same corner lies inside it), so each variant's largest
    fitting scale is found by bisection: ~4 tries a variant instead of one a scale."""
    scales = [s for s in SCALES if s >= overlay.floor - 1e-9]
    reach = 2 * gap + max(overlay.size(v, scales[0])[0] for v in range(overlay.variants))  # none farther matters
    width = size[0]
    near = obstacles[obstacles[:, 0] < reach] if corner.endswith("left") else \
        obstacles[obstacles[:, 2] > width - reach]
    best, best_key = None, -1.0
    for variant in range(overlay.variants):
        if overlay.variant_cost ** variant * scales[0] <= best_key:
            break  # no later variant can beat what fits
        lo, hi, found = 0, len(scales) - 1, None  # scales[lo..hi] left to search, largest first
        while lo <= hi:
            mid = (lo + hi) // 2
            w, h = overlay.size(variant, scales[mid])
            box = _slide(size, corner, w, h, near, gap)
            if box is None:
                lo = mid + 1
            else:
                found, hi = (mid, box), mid - 1
        if found is not None:
            key = scales[found[0]] * overlay.variant_cost ** variant
            if key > best_key:
                best, best_key = Placed(found[1], scales[found[0]], variant), key
    return best


def _slide(size, corner: str, w: float, h: float, obstacles: np.ndarray, gap: float):
    """The box (w x h) at `corner`'s side of the frame nearest that corner that is clear of every obstacle
    by `gap`; None where there is none."""
    width, height = size
    left = width - gap - w if corner.endswith("right") else gap
    right = left + w
    if left < gap - 1e-9 or h > height - 2 * gap:
        return None
    # only obstacles across this column matter; the box can stop just past any of them
    column = obstacles[(obstacles[:, 0] < right + gap) & (obstacles[:, 2] > left - gap)]  # (k, 4)
    if len(column) == 0:  # the common case: a clear gutter
        top = corner.startswith("upper")
        bottom = height - gap - h if top else gap
        return left, bottom, right, bottom + h
    # candidates: the corner, or just past an obstacle (inside the frame: an obstacle may lie off it), but
    # never wholly in the other half of the frame (a HUD slid below the cube would read as a caption)
    if corner.startswith("upper"):
        tops = np.concatenate([[height - gap], column[:, 1] - gap])  # (k + 1,) candidate tops, highest first
        tops = np.sort(tops[(tops - h >= gap) & (tops <= height - gap) & (tops >= height / 2)])[::-1]
        bottoms = tops - h
    else:
        bottoms = np.concatenate([[gap], column[:, 3] + gap])
        bottoms = np.sort(bottoms[(bottoms >= gap) & (bottoms + h <= height - gap) & (bottoms <= height / 2)])
    if len(bottoms) == 0:
        return None
    # (c, k): candidate c meets obstacle k (boxes closer than gap meet)
    meets = ((bottoms[:, None] < column[None, :, 3] + gap) & (bottoms[:, None] + h > column[None, :, 1] - gap))
    clear = ~meets.any(axis=1)
    if not clear.any():
        return None
    bottom = float(bottoms[np.argmax(clear)])
    return left, bottom, right, bottom + h


def together(words: str) -> str:
    """The words as one for wrap (no-break spaces, drawn as spaces): a line never breaks between them."""
    return words.replace(" ", "\u00a0")


def wrap(text: str, width: int, indent: str = "") -> str:
    """Each line of `text` broken into lines of at most `width` characters at spaces (a word longer than
    that stays whole); continued lines start with `indent` (a table's "  ": the reader sees where an entry
    goes on; prose: none). Prose ends no line of its own with one word alone ("slab." under a caption): its
    last two words then go on together."""
    out = []
    for line in text.splitlines():
        lines = textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False) or [""]
        if not indent and len(lines) > 1 and " " not in lines[-1]:
            *start, one, two = line.split(" ")
            lines = textwrap.wrap(" ".join([*start, together(f"{one} {two}")]), width, break_long_words=False)
        out.extend(lines)
    return "\n".join(out)


def wrappings(text: str, widths: Sequence[int], indent: str = "") -> tuple[str, ...]:
    """The text as it is, then wrapped at each of the widths (characters) narrower than its longest line;
    each distinct version once, widest first."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    out = [text]
    for width in sorted(widths, reverse=True):
        if width < longest:
            wrapped = wrap(text, width, indent)
            if wrapped != out[-1]:
                out.append(wrapped)
    return tuple(out)


def meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes overlap (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
