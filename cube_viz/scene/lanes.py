"""The transformer's light: a lane per context word, the beams of the focused word's lane, and attention.

Each of the T context words stands under the front face (scene.rays.entry_points) and its residual stream runs
straight back in its own lane, at the word's x, at mid height: a faint rail whose brightness is the stream's
norm in each block (relative to the brightest). The focused position (the last: the one that predicts the
wall) is drawn in full, in a vertical sheet at its lane's x: unit u of a d-wide stream at the height of row u of
a (d, d) slab, unit j of the MLP's hidden layer at the height of row j of fc (its bands a little apart across
the lane). Its beams are, slab by slab, the `per_layer` strongest contributions a_i * W[j, i] of the slab's
input at that position (q, k, v read LayerNorm 1 of the stream, o the heads' mixture, fc LayerNorm 2, proj
the GELU of fc, the tied embedding the final LayerNorm) from input unit i to output unit j; into the
embedding, only into the rows of the wall's top words, which the wall rays then light.

Attention is light crossing between lanes in the zone between the V and O slabs, laid out as the attention
pattern itself: keys across (the lanes), queries along the light. For each head h, each query position q and
each key s <= q, a beam from lane s (the rail, at V's depth) to lane q at q's own depth in the zone (the last
query's at the mixture's depth, and up at the height of head h's rows), brighter and wider the larger the
attention weight p[l, h, q, s]: intensity sqrt(p), not rescaled per row, so that a head spread evenly over 8
words (1/8 each) still shows at a third. By default only the focused query's beams are drawn (the last word has
no future to close); with `every_position` the other queries' too, at FAINT of that, as thin lines without glow
(kind FAINT_ATTENTION: their glows ran together into one yellow haze), and the causal mask is drawn: at each
query's depth a grey gate closes each lane after it (its future) across the rail, so that the zone shows the
pattern's lower triangle lit and its upper one gated.

A segment's stage is its rank along the light (0 the entry, r for the slab r-th from the front, the wall last),
so that the light is revealed front to back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lattice import Lattice
from cube_viz.scene.rays import SENTENCE_SPAN, Rays, entry_points, strongest, strongest_into
from cube_viz.sim.snapshot import Tensors, TransformerTrace

LIGHT, LANE, ATTENTION, MASK, FAINT_ATTENTION = 0, 1, 2, 3, 4  # Rays.kind of a segment (4: a word's attention
# other than the focused one's, drawn thin and without glow)
MIXED = 0.8  # the heads' mixture stands this far from V to O: the attention pattern fills the zone before it
FAINT = 0.4  # the attention of the positions not focused, as a share of the focused one's light
MASK_LEVEL = 0.5  # a closed gate's intensity
GATE = 0.5  # a closed gate's width, as a share of the lanes' spacing
BAND_SQUEEZE = 0.5  # a slab's width maps into this share of the space between two lanes
EPS = 1e-6
STREAM = "blocks.0.attn.q"  # a (d, d) slab: its rows' heights are the stream units'


@dataclass(frozen=True)
class AttentionBeams:
    """The drawn attention beams: which of the Rays' segments each is, and what it shows (all (A,))."""

    segment: np.ndarray  # int64 index into Rays
    layer: np.ndarray  # int32 block
    head: np.ndarray  # int32
    query: np.ndarray  # int32 position that reads
    key: np.ndarray  # int32 position read (<= query)
    weight: np.ndarray  # float32 attention probability p[layer, head, query, key]


def blocks(lat: Lattice) -> int:
    return sum(s.name.endswith("attn.q") for s in lat.slabs)


def lane_x(lat: Lattice) -> np.ndarray:
    """(T,) the x of each position's lane: under its context word."""
    return entry_points(lat, lat.lanes)[:, 0]


def lane_nodes(lat: Lattice, slab: str, x: float, y: float) -> np.ndarray:
    """(rows, 3) where the output units of `slab` stand in the lane at x, at depth y: at the heights of the
    slab's rows; a folded slab's bands a little apart across the lane."""
    node = lat.nodes[lat.index(slab)]  # (rows, 3) the rows' centres
    spacing = 2 * lat.half_width * SENTENCE_SPAN / max(lat.lanes, 1)  # the lanes' distance
    out = np.empty((len(node), 3), np.float32)
    out[:, 0] = x + node[:, 0] * BAND_SQUEEZE * spacing / (2 * lat.half_width)
    out[:, 1], out[:, 2] = y, node[:, 2]
    return out


def depths(lat: Lattice, block: int) -> dict[str, float]:
    """Depths along the light of a block's stages: its slabs and the gels between them."""
    y = {part: lat.slab(f"blocks.{block}.{part}").y for part in ("attn.q", "attn.k", "attn.v", "attn.o", "mlp.fc",
                                                            "mlp.proj")}
    gap = y["attn.k"] - y["attn.q"]
    return {**y, "ln1": y["attn.q"] - gap / 2, "mixed": y["attn.v"] + MIXED * (y["attn.o"] - y["attn.v"]),
            "ln2": (y["attn.o"] + y["mlp.fc"]) / 2, "gelu": (y["mlp.fc"] + y["mlp.proj"]) / 2}


def final_depth(lat: Lattice) -> float:
    """Where ln_f acts: half way from the last MLP out to the embedding."""
    return (lat.slab(f"blocks.{blocks(lat) - 1}.mlp.proj").y + lat.slab("embed").y) / 2


INPUTS = {"attn.q": "ln1", "attn.k": "ln1", "attn.v": "ln1", "attn.o": "mixed", "mlp.fc": "ln2"}


def slab_input(probe: TransformerTrace, slab: str, t: int) -> np.ndarray | None:
    """(cols,) what a slab reads at position t: q, k and v LayerNorm 1 of the stream, o the heads' mixture, fc
    LayerNorm 2, proj the GELU of fc, the tied embedding the final LayerNorm (the logits' input); None for the
    positions (added, not multiplied)."""
    if slab == "embed":
        return probe.final[t]
    if not slab.startswith("blocks."):
        return None
    _, block, part = slab.split(".", 2)
    if part == "mlp.proj":
        return probe.post[1 + int(block)][t]
    return getattr(probe, INPUTS[part])[int(block), t]


def head_of(lat: Lattice, layer: int, row: int, col: int, heads: int) -> int | None:
    """The attention head a reflector of slab `layer` belongs to: rows h*dh.. of q, k, v, columns h*dh.. of o;
    None for the other slabs."""
    name = lat.slabs[layer].name
    if not name.startswith("blocks.") or ".attn." not in name:
        return None
    dh = lat.slabs[layer].rows // heads
    return (col if name.endswith("attn.o") else row) // dh


def query_depth(y: dict[str, float], query: np.ndarray, lanes: int) -> np.ndarray:
    """(A,) where query position q's attention arrives: q-th of `lanes` steps from V's depth to the mixture's,
    so that the zone holds the attention pattern itself, keys across (the lanes), queries along the light."""
    return y["attn.v"] + (y["mixed"] - y["attn.v"]) * (np.asarray(query) + 1) / lanes


def focus(probe: TransformerTrace) -> int:
    return len(probe.context_ids) - 1  # the last position predicts the next word


def depth_ranks(lat: Lattice) -> np.ndarray:
    """(slabs,) each slab's place along the light, from 1 (the first from the front face)."""
    ranks = np.empty(len(lat.slabs), np.int32)
    ranks[np.argsort([s.y for s in lat.slabs], kind="stable")] = np.arange(1, len(lat.slabs) + 1)
    return ranks


def trace_lanes(lat: Lattice, params: Tensors, probe: TransformerTrace, per_layer: int, to_wall: int,
                wall_positions: np.ndarray | None, every_position: bool = False) -> tuple[Rays, AttentionBeams]:
    t = focus(probe)
    words = entry_points(lat, lat.lanes).astype(np.float32)  # (T, 3) where each word's light enters
    xs = words[:, 0].astype(np.float64)  # (T,) its lane's x
    x = float(xs[t])
    rank = depth_ranks(lat)
    parts: list[tuple] = []
    attention: list[tuple] = []
    count = 0

    def part(starts, ends, contribution, stage, source, target, kind=LIGHT, head=-1, intensity=None):
        c = np.asarray(contribution, np.float32)
        if intensity is None:
            peak = float(np.abs(c).max()) if c.size else 0.0
            intensity = np.abs(c) / peak if peak > 0 else np.zeros_like(c)
        nonlocal count
        n = c.size
        parts.append((np.asarray(starts, np.float32).reshape(n, 3), np.asarray(ends, np.float32).reshape(n, 3), c,
                      np.asarray(intensity, np.float32), np.broadcast_to(np.asarray(stage, np.int32), (n,)),
                      np.asarray(source, np.int64), np.asarray(target, np.int64), np.full(n, kind, np.int8),
                      np.full(n, head, np.int32)))
        count += n
        return np.arange(count - n, count)

    def beams(slab: str, inputs: np.ndarray, outputs: np.ndarray, into=None) -> None:
        """The strongest a_i * W[j, i] of a slab, from inputs[i] to outputs[j] (into: only into these rows)."""
        li = lat.index(slab)
        contrib = slab_input(probe, slab, t)[None, :] * params[f"{slab}.weight"]  # (rows, cols)
        if into is None:
            j, i = np.divmod(strongest(contrib, per_layer), contrib.shape[1])
        else:
            j, i = strongest_into(contrib, into, per_layer)
        part(inputs[i], outputs[j], contrib[j, i], rank[li], i, j)

    def at(y: float) -> np.ndarray:
        return lane_nodes(lat, STREAM, x, y)  # (d, 3) the focused lane's stream units at depth y

    pos_y = lat.slab("pos").y
    a0 = probe.resid[0, t]  # (d,) word embedding + position
    i = strongest(a0, per_layer)
    part(np.repeat(words[t:t + 1], len(i), axis=0), at(pos_y)[i], a0[i], 0, np.full(len(i), t), i)

    # the lanes' rails: each word's stream, block by block, brightness by its norm
    n_blocks = blocks(lat)
    ends = [pos_y] + [depths(lat, block)["mlp.proj"] for block in range(n_blocks)] + [final_depth(lat)]
    stages = [0, *(rank[lat.index(f"blocks.{block}.mlp.proj")] for block in range(n_blocks)), rank[lat.index("embed")]]
    norms = np.linalg.norm(probe.resid, axis=2)  # (L+1, T)
    peak = float(norms.max()) or 1.0
    for s, xs_ in enumerate(xs):
        starts = [words[s]] + [(xs_, y0, 0.0) for y0 in ends[:-1]]
        stops = [(xs_, y0, 0.0) for y0 in ends]
        level = np.concatenate([[norms[0, s]], norms[:, s]])  # (L+2,) entry, after each block, into ln_f
        part(starts, stops, level, stages, np.full(len(stops), s), np.full(len(stops), s), LANE,
             intensity=level / peak)

    for block in range(n_blocks):
        y = depths(lat, block)
        b = f"blocks.{block}"
        for proj in ("attn.q", "attn.k", "attn.v"):
            beams(f"{b}.{proj}", at(y["ln1"]), at(y[proj]))
        o = rank[lat.index(f"{b}.attn.o")]
        v_rows = lat.nodes[lat.index(f"{b}.attn.v")][:, 2]  # (d,)
        heads = probe.attention.shape[1]
        dh = len(v_rows) // heads
        query, key = np.tril_indices(lat.lanes)  # (A,) every query and each key it may read (key <= query)
        if not every_position:
            query, key = query[query == t], key[query == t]
        arrive = query_depth(y, query, lat.lanes)  # (A,) query q's light arrives at its own depth
        focused = query == t
        for h in range(heads):
            w = probe.attention[block, h, query, key]  # (A,)
            height = float(v_rows[h * dh:(h + 1) * dh].mean())
            seg = part(np.column_stack([xs[key], np.full(len(key), y["attn.v"]), np.zeros(len(key))]),
                       np.column_stack([xs[query], arrive, np.where(focused, height, 0.0)]), w, o, key, query,
                       np.where(focused, ATTENTION, FAINT_ATTENTION), h,
                       intensity=np.sqrt(w) * np.where(focused, 1.0, FAINT))
            attention.append((seg, np.full(len(key), block), np.full(len(key), h), query, key, w))
        if every_position:  # the last word has no future: gates alone would stand for queries not drawn
            shut_query, shut_key = np.triu_indices(lat.lanes, 1)  # (M,) the keys after each query: its future
            half = GATE * ((xs[1] - xs[0]) if lat.lanes > 1 else 0.0) / 2
            at_query = query_depth(y, shut_query, lat.lanes)
            part(np.column_stack([xs[shut_key] - half, at_query, np.zeros(len(shut_key))]),
                 np.column_stack([xs[shut_key] + half, at_query, np.zeros(len(shut_key))]),
                 np.zeros(len(shut_key)), o, shut_key, shut_query, MASK,
                 intensity=np.full(len(shut_key), MASK_LEVEL))
        beams(f"{b}.attn.o", at(y["mixed"]), at(y["attn.o"]))
        beams(f"{b}.mlp.fc", at(y["ln2"]), lane_nodes(lat, f"{b}.mlp.fc", x, y["mlp.fc"]))
        beams(f"{b}.mlp.proj", lane_nodes(lat, f"{b}.mlp.fc", x, y["gelu"]), at(y["mlp.proj"]))

    embed = lat.index("embed")
    top = None
    if wall_positions is not None:
        top = strongest(probe.probs, to_wall)
    beams("embed", at(final_depth(lat)), lat.nodes[embed], into=top)
    if top is not None:
        part(lat.nodes[embed][top], wall_positions[top], probe.probs[top], len(lat.slabs) + 1, top, top)
    fields = [np.concatenate(f) for f in zip(*parts, strict=True)]
    a = [np.concatenate(f) for f in zip(*attention, strict=True)]
    beams_ = AttentionBeams(a[0].astype(np.int64), *(f.astype(np.int32) for f in a[1:5]), a[5].astype(np.float32))
    return Rays(*fields[:7], words, kind=fields[7], head=fields[8]), beams_


def lane_ray_count(lat: Lattice, per_layer: int, to_wall: int, n_words: int) -> int:
    """The most segments trace_lanes returns: fixed, so the renderer can allocate them once (at most d heads)."""
    d = heads = lat.slab("pos").cols
    n_blocks = blocks(lat)
    slabs = sum(min(per_layer, s.rows * s.cols) for s in lat.slabs if s.name != "pos")
    pattern = lat.lanes * (lat.lanes + 1) // 2  # (query, key <= query) pairs
    return (min(per_layer, d) + lat.lanes * (n_blocks + 2) + slabs + n_blocks * (heads + 1) * pattern
            + min(to_wall, n_words))


def lane_gel(lat: Lattice, probe: TransformerTrace | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The gels of the focused lane: per block LayerNorm 1, LayerNorm 2 and the MLP's GELU, then ln_f.

    (positions (G, 3), gain (G,) log2(|out| / |in|) (zeros without a probe), the slab each feeds (G,), unit (G,)).
    """
    x = float(lane_x(lat)[-1])
    parts = []
    for block in range(blocks(lat)):
        y, b = depths(lat, block), f"blocks.{block}"
        grab = None if probe is None else (probe.resid[block], probe.ln1[block], probe.resid_mid[block],
                                           probe.ln2[block], probe.pre[1 + block], probe.post[1 + block])
        parts += [(lane_nodes(lat, STREAM, x, y["ln1"]), f"{b}.attn.q", grab and grab[0:2]),
                  (lane_nodes(lat, STREAM, x, y["ln2"]), f"{b}.mlp.fc", grab and grab[2:4]),
                  (lane_nodes(lat, f"{b}.mlp.fc", x, y["gelu"]), f"{b}.mlp.proj", grab and grab[4:6])]
    parts.append((lane_nodes(lat, STREAM, x, final_depth(lat)), "embed",
                   None if probe is None else (probe.resid[-1], probe.final)))
    t = lat.lanes - 1
    gains = [np.zeros(len(p)) if io is None else np.log2((np.abs(io[1][t]) + EPS) / (np.abs(io[0][t]) + EPS))
             for p, _, io in parts]
    return (np.concatenate([p for p, _, _ in parts]).astype(np.float32), np.concatenate(gains).astype(np.float32),
            np.concatenate([np.full(len(p), lat.index(n), np.int32) for p, n, _ in parts]),
            np.concatenate([np.arange(len(p), dtype=np.int32) for p, _, _ in parts]))


def gel_depths(lat: Lattice) -> list[float]:
    """Where the transformer's gels stand along the light: LayerNorms and GELUs."""
    ys = [depths(lat, block) for block in range(blocks(lat))]
    return [y[k] for y in ys for k in ("ln1", "ln2", "gelu")] + [final_depth(lat)]
