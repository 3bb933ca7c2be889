"""Where every weight sits: a glass cube that holds the whole model, one reflector per weight.

Axes: light travels along +y from the cube's front face (front_y, where the prompt's words enter) to its
back face (wall_y, the wall of words); x runs across a slab (columns = input units, column 0 at the left),
z runs up it (rows = output units, row 0 at the top). An R x C weight matrix is one slab, folded so that
it is about as wide as high: a tall matrix (R > C) into k = round(sqrt(R / C)) bands of ceil(R / k) rows
placed side by side left to right, a wide one (C > R) into k bands of ceil(C / k) columns stacked top to
bottom, one pitch apart; so every reflector's (layer, row, col) stays recoverable from its position. The
largest slab sets the cube (it fills FILL of the cross-section at pitch 1); every other slab is spaced out
to fill as much (its pitch up to MAX_PITCH, its plates as much larger). The slabs stand at even depths:
as far from each other as the first from the front face and the last from the wall.

The transformer's slabs stand in the order its light passes them (scene.lanes draws the light): its positions,
then per block q, k, v, o (ATTENTION_GAPS after v: the zone where attention crosses between the lanes), the MLP's
fc and proj, and last its tied embedding, which reads the wall's logits
back (its slab's rows are the wall's words). The arrays keep model order (knock-outs count in it), so a slab's
index is not its rank in depth. LayerNorm's gains and biases (1-D, d) are plates too, with the biases: two
columns at the left edge of their gel, half way from the slab before it to the slab after, at the heights of
the stream's units (the rows of a d x d slab).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cube_viz.sim.snapshot import Layout

FILL = 0.9  # share of the cube's cross-section a slab spans
MAX_PITCH = 16.0  # how far a small slab may be spaced out to fill it (its plates as much larger)
ATTENTION_GAPS = 4  # the transformer's V and O stand this many gaps apart: attention's pattern lies between


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
    pitch: float = 1.0  # distance between neighbouring plates of this slab (the largest slab's: 1)


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
    half_width: float  # the cube's half size: everything fits in |x|, |z| <= half_width
    front_y: float  # the cube's front face, where the input enters
    wall_y: float  # its back face, the wall of words
    pitch: np.ndarray  # (N,) float32 each reflector's slab pitch (its plate is as much larger)
    bias_pitch: np.ndarray  # (M,) float32
    lanes: int = 0  # the transformer's positions (its light runs in a lane per word); 0: the MLP
    norms: tuple[tuple[str, slice], ...] = ()  # the transformer's LayerNorm parameters and their bias-array spans

    @property
    def context_length(self) -> int:
        """Words of context: the transformer's positions; the MLP's concatenated context / embedding size."""
        if self.lanes:
            return self.lanes
        return self.slabs[1].cols // self.slabs[0].cols if len(self.slabs) > 1 else 0

    def slab(self, name: str) -> Slab:
        return next(s for s in self.slabs if s.name == name)

    def index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.slabs) if s.name == name)

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.slabs)


@dataclass(frozen=True)
class PlateSet:
    """One kind of plate, weights or biases: where each plate sits and which parameter it shows."""

    name: str  # "reflectors" | "biases": its field in Frame and in Motion
    positions: np.ndarray  # (N, 3) float32 plate centres
    layer: np.ndarray  # (N,) int32 slab index
    row: np.ndarray  # (N,) int32 output unit within the slab
    rows: np.ndarray  # (N,) int64 rows of the plate's slab (the wave's stagger runs over them)
    param_index: np.ndarray  # (N,) int64 the parameter's index in params.flat
    pitch: np.ndarray  # (N,) float32 the pitch of the plate's slab (its plate is as much larger)


def plate_sets(lat: Lattice) -> tuple[PlateSet, PlateSet]:
    """The lattice's reflectors and biases, as two instances of one plate set."""
    rows = np.array([s.rows for s in lat.slabs])  # (L,)
    return (PlateSet("reflectors", lat.positions, lat.layer, lat.row, rows[lat.layer], lat.param_index, lat.pitch),
            PlateSet("biases", lat.bias_positions, lat.bias_layer, lat.bias_row, rows[lat.bias_layer],
                     lat.bias_param_index, lat.bias_pitch))


TRANSFORMER_TITLES = {"attn.q": "Q", "attn.k": "K", "attn.v": "V", "attn.o": "O", "mlp.fc": "MLP in",
                      "mlp.proj": "MLP out"}


def slab_title(name: str) -> str:
    """What the picture calls a slab: "embedding", "hidden 1", ..., "output" (parameter "hidden.0" is hidden 1);
    the transformer's "positions", "Q 1" (blocks.0.attn.q), ..., "MLP out 2", "embedding (tied)"."""
    if name.startswith("blocks."):
        _, block, part = name.split(".", 2)
        return f"{TRANSFORMER_TITLES[part]} {int(block) + 1}"
    return ({"embed": "embedding", "out": "output", "pos": "positions"}.get(name)
            or f"hidden {int(name.split('.')[1]) + 1}")


def axis_labels(lat: Lattice) -> list[tuple[str, float]]:
    """(name, depth) of the names along the cube's edge in an overview: every slab of the MLP; the transformer's
    groups (14 slab names at a depth each would print over each other): positions, "attention 1" at the middle
    of its Q, K, V, O, "MLP 1" between its two slabs, ..., the tied embedding."""
    if not lat.lanes:
        return [(slab_title(s.name), s.y) for s in lat.slabs]
    groups: dict[str, list[float]] = {}
    for s in sorted(lat.slabs, key=lambda s: s.y):
        groups.setdefault(group_title(s.name), []).append(s.y)
    return [(title, float(np.mean(ys))) for title, ys in groups.items()]


def group_title(name: str) -> str:
    """The transformer's name for the group a slab belongs to: "attention 1" (Q, K, V, O of blocks.0), "MLP 1",
    "positions", "embedding (tied)"."""
    if name.startswith("blocks."):
        _, block, part = name.split(".", 2)
        return f"{'attention' if part.startswith('attn') else 'MLP'} {int(block) + 1}"
    return "embedding (tied)" if name == "embed" else slab_title(name)


def attention_blocks(names) -> list[str]:
    """The transformer's blocks ("blocks.0", ...) among slab names, those with an attention (none for the MLP)."""
    return sorted(n.removesuffix(".attn.o") for n in names if n.endswith(".attn.o"))


def is_transformer(layout: Layout) -> bool:
    return any(name == "pos.weight" for name, _ in layout)


def light_order(names: list[str], transformer: bool) -> list[str]:
    """Slab names in the order the light meets them: model order, but the transformer's tied embedding last."""
    return [n for n in names if n != "embed"] + ["embed"] if transformer else names


def layer_norms(layout: Layout) -> list[tuple[str, str]]:
    """(LayerNorm, the slab it feeds) in the transformer: blocks.l.ln1 -> q, ln2 -> fc, ln_f -> the embedding."""
    norms = [name.removesuffix(".weight") for name, shape in layout if name.endswith(("ln1.weight", "ln2.weight",
                                                                                     "ln_f.weight"))]
    feeds = {"ln1": "attn.q", "ln2": "mlp.fc"}
    return [(n, "embed" if n == "ln_f" else n.rsplit(".", 1)[0] + "." + feeds[n.rsplit(".", 1)[1]]) for n in norms]


def slab_names(layout: Layout) -> list[str]:
    """Layers in the order light passes them: every parameter `X.weight` is a slab named X."""
    return [name.removesuffix(".weight") for name, shape in layout if name.endswith(".weight") and len(shape) == 2]


def fold(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Slab-local (x, z) at pitch 1 of every (row, col), row-major: x (R*C,), z (R*C,), centred on 0."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    if rows >= cols:  # bands of rows, side by side
        per = math.ceil(rows / max(1, round(math.sqrt(rows / cols))))
        band, r = np.divmod(r, per)
        x, z = band * (cols + 1) + c, -r
    else:  # bands of columns, stacked
        per = math.ceil(cols / max(1, round(math.sqrt(cols / rows))))
        band, c = np.divmod(c, per)
        x, z = c, -(band * (rows + 1) + r)
    x, z = x.astype(np.float64), z.astype(np.float64)
    return x - (x.max() + x.min()) / 2, z - (z.max() + z.min()) / 2


def extent(x: np.ndarray, z: np.ndarray) -> float:
    """The larger of a folded slab's width and height, plates included (pitch 1)."""
    return float(max(np.ptp(x), np.ptp(z)) + 1)


def build_lattice(layout: Layout) -> Lattice:
    shapes = dict(layout)
    offsets, offset = {}, 0
    for name, shape in layout:
        offsets[name] = offset
        offset += math.prod(shape)
    names = slab_names(layout)
    transformer = is_transformer(layout)
    order = light_order(names, transformer)
    grids = [fold(*shapes[f"{n}.weight"]) for n in names]
    largest = max(extent(x, z) for x, z in grids)
    half = largest / (2 * FILL)  # the cube's half size
    space = np.array([ATTENTION_GAPS if n.endswith("attn.o") else 1 for n in order])  # gaps before each slab
    gap = 2 * half / (space.sum() + 1)  # slabs at even depths between the front face and the wall
    depth = dict(zip(order, -half + gap * np.cumsum(space), strict=True))
    pos, layer, row, col, pidx, pitches = [], [], [], [], [], []
    bpos, blayer, brow, bpidx, bpitches = [], [], [], [], []
    slabs, nodes, n_w, n_b = [], [], 0, 0
    for li, (name, (x, z)) in enumerate(zip(names, grids, strict=True)):
        rows, cols = shapes[f"{name}.weight"]
        y = float(depth[name])
        pitch = min(MAX_PITCH, largest / extent(x, z))
        pos.append(np.stack([x * pitch, np.full_like(x, y), z * pitch], axis=1))
        pitches.append(np.full(rows * cols, pitch))
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
            bpos.append(node + np.array([0.0, -pitch, 0.0]))  # one pitch in front of the slab
            bpitches.append(np.full(rows, pitch))
            blayer.append(np.full(rows, li))
            brow.append(np.arange(rows))
            bpidx.append(offsets[bias_name] + np.arange(rows))
        slabs.append(Slab(name, rows, cols, y, slice(n_w, n_w + rows * cols),
                          slice(n_b, n_b + rows) if has_bias else None, offsets[f"{name}.weight"],
                          offsets[bias_name] if has_bias else None, float(pitch)))
        n_w += rows * cols
        n_b += rows if has_bias else 0
    norms = []
    for norm, feeds in layer_norms(layout):  # gain and bias columns at the gel before the slab they feed
        li = names.index(feeds)
        pitch = slabs[li].pitch
        for column, part in enumerate(("weight", "bias")):
            size = shapes[f"{norm}.{part}"][0]
            p = np.zeros((size, 3))
            p[:, 0] = -FILL * half + (column + 0.5) * pitch
            p[:, 1], p[:, 2] = slabs[li].y - gap / 2, stream_heights(names, nodes)
            bpos.append(p)
            bpitches.append(np.full(size, pitch))
            blayer.append(np.full(size, li))
            brow.append(np.arange(size))
            bpidx.append(offsets[f"{norm}.{part}"] + np.arange(size))
            norms.append((f"{norm}.{part}", slice(n_b, n_b + size)))
            n_b += size

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
        front_y=float(-half), wall_y=float(half), pitch=cat(pitches, np.float32), bias_pitch=cat(bpitches, np.float32),
        lanes=shapes["pos.weight"][0] if transformer else 0, norms=tuple(norms),
    )


def stream_heights(names: list[str], nodes: list[np.ndarray]) -> np.ndarray:
    """(d,) heights of the transformer's residual stream units: those of the rows of its first (d, d) slab."""
    return nodes[names.index("blocks.0.attn.q")][:, 2]
