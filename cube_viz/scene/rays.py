"""Light rays for a probe prompt: the strongest contributions a_i * W[j, i] between consecutive slabs.

Segments, in this order: entry rays (front face -> each context embedding reflector), then for each
weight slab after the embedding the `per_layer` strongest |a_i * W[j, i]| (input unit i -> output unit j),
then the last rays (output unit j -> word j on the wall) for the `to_wall` most probable words.
The number of segments is fixed for a lattice, so the renderer can update them in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lattice import Lattice
from cube_viz.sim.snapshot import ProbeTrace, Tensors


@dataclass(frozen=True)
class Rays:
    starts: np.ndarray  # (S, 3) float32
    ends: np.ndarray  # (S, 3) float32
    contribution: np.ndarray  # (S,) float32 signed: a_i * W[j, i]; entry: a_i; wall: probability
    intensity: np.ndarray  # (S,) float32 in [0, 1]: |contribution| / max |contribution| of its group
    stage: np.ndarray  # (S,) int32: 0 entry, l for slab l, len(slabs) for the wall
    source: np.ndarray  # (S,) int64 input unit i (wall rays: output unit j)
    target: np.ndarray  # (S,) int64 output unit j (entry rays: embedding unit; wall rays: word id)


def ray_count(lattice: Lattice, per_layer: int, to_wall: int, n_words: int) -> int:
    """Segments trace_rays returns for this lattice: fixed, so the renderer can allocate them once."""
    slabs = lattice.slabs
    entry = slabs[1].cols if len(slabs) > 1 else 0  # the concatenated context embedding
    return entry + sum(min(per_layer, s.rows * s.cols) for s in slabs[1:]) + min(to_wall, n_words)


def strongest(contrib: np.ndarray, n: int) -> np.ndarray:
    """Flat indices of the n largest |contrib| entries, largest first (all if fewer)."""
    flat = np.abs(contrib).ravel()
    n = min(n, flat.size)
    idx = np.argpartition(flat, flat.size - n)[flat.size - n:]
    return idx[np.argsort(-flat[idx], kind="stable")]


def embedding_units(lattice: Lattice, context_ids: np.ndarray) -> np.ndarray:
    """(k*E, 3) positions of the embedding reflectors that feed concatenated input unit p*E + e."""
    embed = lattice.slabs[0]
    idx = (context_ids[:, None] * embed.cols + np.arange(embed.cols)[None, :]).ravel()  # (k*E,)
    return lattice.positions[embed.weights][idx]


def trace_rays(lattice: Lattice, params: Tensors, probe: ProbeTrace, per_layer: int = 64,
               to_wall: int = 8, wall_positions: np.ndarray | None = None) -> Rays:
    parts: list[tuple] = []

    def add(starts, ends, contribution, stage, source, target):
        c = np.asarray(contribution, np.float32)
        peak = float(np.abs(c).max()) if c.size else 0.0
        parts.append((starts, ends, c, np.abs(c) / peak if peak > 0 else np.zeros_like(c),
                      np.full(c.size, stage, np.int32), np.asarray(source, np.int64), np.asarray(target, np.int64)))

    units = embedding_units(lattice, probe.context_ids)
    entry = units.copy()
    entry[:, 1] = lattice.front_y
    a0 = probe.post[0]  # (k*E,)
    add(entry, units, a0, 0, np.arange(a0.size), np.arange(a0.size))
    inputs = units
    for li, slab in enumerate(lattice.slabs[1:], start=1):
        a = probe.post[li - 1]  # (cols,) activations arriving at this slab
        contrib = a[None, :] * params[f"{slab.name}.weight"]  # (rows, cols)
        top = strongest(contrib, per_layer)
        j, i = np.divmod(top, slab.cols)
        add(inputs[i], lattice.nodes[li][j], contrib.ravel()[top], li, i, j)
        inputs = lattice.nodes[li]
    if wall_positions is not None:
        probs = probe.probs
        top = strongest(probs, to_wall)
        add(inputs[top], wall_positions[top], probs[top], len(lattice.slabs), top, top)
    fields = [np.concatenate(f) for f in zip(*parts, strict=True)]
    return Rays(*(f.astype(np.float32) if f.dtype.kind == "f" else f for f in fields))
