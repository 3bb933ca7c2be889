"""Where every weight sits: slabs along the light's path, one reflector per weight, pitch 1 everywhere.

Axes: light travels along +y (input face at small y, word wall at large y); x runs across a slab
(columns = input units), z runs up it (rows = output units, row 0 at the top). A weight matrix of
R rows x C cols is one slab; slabs with more than `tile_rows` rows are folded into tiles of
`tile_rows` rows laid out in a near-square grid (gap of one pitch), so every reflector's
(layer, row, col) stays recoverable from its position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cube_viz.sim.snapshot import Layout


@dataclass(frozen=True)
class Slab:
    name: str  # "embed", "hidden.0", ..., "out"
    rows: int  # output units (embedding: words)
    cols: int  # input units (embedding: embedding dims)
    y: float  # depth of the slab along the light axis
    weights: slice  # this slab's reflectors in the lattice arrays (= its weight's span in params.flat)
    bias: slice | None  # its biases' span in the bias arrays
    weight_offset: int  # start of the weight matrix in params.flat
    bias_offset: int | None  # start of the bias vector in params.flat


@dataclass(frozen=True)
class Lattice:
    """Geometry of the cube; arrays are read-only and indexed like the flat weight vector of each slab."""

    slabs: tuple[Slab, ...]
    positions: np.ndarray  # (N, 3) float32 reflector centres, N = all weights, slabs in model order
    layer: np.ndarray  # (N,) int32 slab index
    row: np.ndarray  # (N,) int32
    col: np.ndarray  # (N,) int32
    param_index: np.ndarray  # (N,) int64 index of each reflector's weight in params.flat
    bias_positions: np.ndarray  # (M, 3) float32, one row of biases in front of each slab
    bias_layer: np.ndarray  # (M,) int32
    bias_row: np.ndarray  # (M,) int32
    bias_param_index: np.ndarray  # (M,) int64
    nodes: tuple[np.ndarray, ...]  # per slab (rows, 3): where output unit j's light leaves (centre of row j)
    half_width: float  # the slabs fit in |x|, |z| <= half_width
    front_y: float  # the input face
    wall_y: float  # the output wall

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.slabs)


def slab_title(name: str) -> str:
    """What the picture calls a slab: "embedding", "hidden 1", ..., "output" (parameter "hidden.0" is hidden 1)."""
    return {"embed": "embedding", "out": "output"}.get(name) or f"hidden {int(name.split('.')[1]) + 1}"


def slab_names(layout: Layout) -> list[str]:
    """Layers in the order light passes them: every parameter `X.weight` is a slab named X."""
    return [name.removesuffix(".weight") for name, shape in layout if name.endswith(".weight") and len(shape) == 2]


def tile_grid(rows: int, cols: int, tile_rows: int) -> tuple[int, int]:
    """(tile rows, tile cols) of the most nearly square arrangement of ceil(rows / tile_rows) tiles."""
    n = math.ceil(rows / tile_rows)
    height = min(rows, tile_rows)
    best = min(range(1, n + 1), key=lambda gc: abs(math.log((gc * (cols + 1)) / (math.ceil(n / gc) * (height + 1)))))
    return math.ceil(n / best), best


def unit_grid(rows: int, cols: int, tile_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Slab-local (x, z) of every (row, col), row-major: x (R*C,), z (R*C,), centred on 0."""
    height = min(rows, tile_rows)
    _, gc = tile_grid(rows, cols, tile_rows)
    r, c = np.divmod(np.arange(rows * cols), cols)
    tile, rr = np.divmod(r, tile_rows)
    ti, tj = np.divmod(tile, gc)
    x = tj * (cols + 1) + c
    z = -(ti * (height + 1) + rr)
    return x - (x.max() + x.min()) / 2, z - (z.max() + z.min()) / 2


def build_lattice(layout: Layout, tile_rows: int = 64) -> Lattice:
    shapes = dict(layout)
    offsets, offset = {}, 0
    for name, shape in layout:
        offsets[name] = offset
        offset += math.prod(shape)
    names = slab_names(layout)
    grids = [unit_grid(*shapes[f"{n}.weight"], tile_rows) for n in names]
    half = max(max(np.abs(x).max(), np.abs(z).max()) for x, z in grids) + 1.0
    gap = 2 * half / max(1, len(names) - 1) if len(names) > 1 else 2 * half  # slabs span a cube's depth
    pos, layer, row, col, pidx = [], [], [], [], []
    bpos, blayer, brow, bpidx = [], [], [], []
    slabs, nodes, n_w, n_b = [], [], 0, 0
    for li, (name, (x, z)) in enumerate(zip(names, grids, strict=True)):
        rows, cols = shapes[f"{name}.weight"]
        y = float(-half + li * gap)
        pos.append(np.stack([x, np.full_like(x, y), z], axis=1))
        r, c = np.divmod(np.arange(rows * cols), cols)
        layer.append(np.full(rows * cols, li))
        row.append(r)
        col.append(c)
        pidx.append(offsets[f"{name}.weight"] + np.arange(rows * cols))
        node = pos[-1].reshape(rows, cols, 3).mean(axis=1)  # (rows, 3) centre of each row
        nodes.append(node)
        bias_name = f"{name}.bias"
        has_bias = bias_name in shapes
        if has_bias:
            bpos.append(node + np.array([0.0, -1.0, 0.0]))  # one pitch in front of the slab
            blayer.append(np.full(rows, li))
            brow.append(np.arange(rows))
            bpidx.append(offsets[bias_name] + np.arange(rows))
        slabs.append(Slab(name, rows, cols, y, slice(n_w, n_w + rows * cols),
                          slice(n_b, n_b + rows) if has_bias else None, offsets[f"{name}.weight"],
                          offsets[bias_name] if has_bias else None))
        n_w += rows * cols
        n_b += rows if has_bias else 0

    def cat(parts, dtype):
        a = np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
        a.setflags(write=False)
        return a

    return Lattice(
        slabs=tuple(slabs), positions=cat(pos, np.float32), layer=cat(layer, np.int32), row=cat(row, np.int32),
        col=cat(col, np.int32), param_index=cat(pidx, np.int64),
        bias_positions=cat(bpos, np.float32) if bpos else np.zeros((0, 3), np.float32),
        bias_layer=cat(blayer, np.int32), bias_row=cat(brow, np.int32), bias_param_index=cat(bpidx, np.int64),
        nodes=tuple(n.astype(np.float32) for n in nodes), half_width=float(half),
        front_y=float(-half - gap / 2), wall_y=float(half + gap / 2),
    )
