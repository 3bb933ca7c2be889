"""Light rays for a probe prompt: the strongest contributions a_i * W[j, i] along connected paths, from each
context word at the front face to the wall's most probable words.

Segments, in this order: entry rays (each context word's point on the front face's lower edge, where the
prompt stands as a sentence, fanning to its E embedding reflectors: k*E of them), then per weight slab after
the embedding its beams (input unit i -> output unit j), then the wall rays (output unit j -> word j's quad
on the wall) for the `to_wall` most probable words.

The beams are chosen from the wall back to the front, so that the light can be followed: the wall rays leave
from the output units of the top words; at each slab, from the last to the first, the beams are the `per_layer`
strongest |a_i * W[j, i]| into the units that the next stage's beams leave from, each of those units receiving
at least its own strongest (fewer beams when those units have fewer inputs). Every beam thus lies on a lit path
from the front face to a wall word. The count varies by at most the bound `ray_count`, which the renderer
allocates once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lattice import Lattice
from cube_viz.sim.snapshot import ProbeTrace, Tensors

PER_LAYER = 16  # beams per slab by default: few enough to follow one by one in a hall
TO_WALL = 3  # wall rays: the model's top 3 guesses, as the HUD lists them
SENTENCE_SPAN, SENTENCE_DROP = 0.8, 0.04  # the context words span this share of the front face's width, this
# share of the cube's half-width below it
MAX_PER_LAYER = 256


@dataclass(frozen=True)
class Rays:
    starts: np.ndarray  # (S, 3) float32
    ends: np.ndarray  # (S, 3) float32
    contribution: np.ndarray  # (S,) float32 signed: a_i * W[j, i]; entry: a_i; wall: probability
    intensity: np.ndarray  # (S,) float32 in [0, 1]: |contribution| / max |contribution| of its group
    stage: np.ndarray  # (S,) int32: 0 entry, l for slab l, len(slabs) for the wall
    source: np.ndarray  # (S,) int64 input unit i (wall rays: output unit j)
    target: np.ndarray  # (S,) int64 output unit j (entry rays: embedding unit; wall rays: word id)
    words: np.ndarray  # (k, 3) float32 where each context word's light enters the front face
    kind: np.ndarray  # (S,) int8 scene.lanes: 0 light through the slabs, 1 a transformer's lane, 2 attention
    head: np.ndarray  # (S,) int32 an attention beam's head; -1 for the rest


def ray_count(lattice: Lattice, per_layer: int, to_wall: int, n_words: int) -> int:
    """The most segments trace_rays returns for this lattice: fixed, so the renderer can allocate them once."""
    slabs = lattice.slabs
    entry = slabs[1].cols if len(slabs) > 1 else 0  # the concatenated context embedding
    return entry + sum(min(per_layer, s.rows * s.cols) for s in slabs[1:]) + min(to_wall, n_words)


def strongest(contrib: np.ndarray, n: int) -> np.ndarray:
    """Flat indices of the n largest |contrib| entries, largest first (all if fewer)."""
    flat = np.abs(contrib).ravel()
    n = min(n, flat.size)
    idx = np.argpartition(flat, flat.size - n)[flat.size - n:]
    return idx[np.argsort(-flat[idx], kind="stable")]


def strongest_into(contrib: np.ndarray, targets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(j, i) of the beams into `targets` (T,) of contrib (rows, cols): each target's strongest input first
    (the n strongest of those if T > n), then the strongest remaining inputs of the targets, n in all (fewer if
    the targets have fewer inputs), strongest first."""
    size = np.abs(contrib[targets])  # (T, cols)
    n = min(n, size.size)
    first = size.argmax(axis=1)  # (T,)
    keep = strongest(size[np.arange(len(targets)), first], n)  # the targets sure of a beam
    taken = np.zeros(size.shape, bool)
    taken[keep, first[keep]] = True
    rest = np.where(taken, -1.0, size).ravel()  # |contrib| >= 0: a taken entry is never picked again
    extra = n - len(keep)
    more = np.argpartition(rest, rest.size - extra)[rest.size - extra:] if extra else np.zeros(0, np.int64)
    r, i = np.divmod(np.concatenate([keep * size.shape[1] + first[keep], more]), size.shape[1])
    order = np.argsort(-size[r, i], kind="stable")
    return targets[r[order]], i[order]


def embedding_units(lattice: Lattice, context_ids: np.ndarray) -> np.ndarray:
    """(k*E, 3) positions of the embedding reflectors that feed concatenated input unit p*E + e."""
    embed = lattice.slabs[0]
    idx = (context_ids[:, None] * embed.cols + np.arange(embed.cols)[None, :]).ravel()  # (k*E,)
    return lattice.positions[embed.weights][idx]


def entry_points(lattice: Lattice, k: int) -> np.ndarray:
    """(k, 3) where the k context words stand: a sentence in reading order along the front face's lower edge,
    just below the glass (from the front, a word at the face would stand over the wall's words behind it)."""
    h = lattice.half_width
    x = h * SENTENCE_SPAN * (2 * (np.arange(k) + 0.5) / max(k, 1) - 1)
    return np.stack([x, np.full(k, lattice.front_y), np.full(k, -h * (1 + SENTENCE_DROP))], axis=1)


def trace_rays(lattice: Lattice, params: Tensors, probe: ProbeTrace, per_layer: int = PER_LAYER,
               to_wall: int = TO_WALL, wall_positions: np.ndarray | None = None) -> Rays:
    parts: list[tuple] = []

    def part(starts, ends, contribution, stage, source, target):
        c = np.asarray(contribution, np.float32)
        peak = float(np.abs(c).max()) if c.size else 0.0
        return (starts, ends, c, np.abs(c) / peak if peak > 0 else np.zeros_like(c),
                np.full(c.size, stage, np.int32), np.asarray(source, np.int64), np.asarray(target, np.int64))

    slabs = lattice.slabs
    units = embedding_units(lattice, probe.context_ids)  # (k*E, 3)
    words = entry_points(lattice, len(probe.context_ids))  # (k, 3)
    a0 = probe.post[0]  # (k*E,)
    parts.append(part(np.repeat(words, slabs[0].cols, axis=0), units, a0, 0, np.arange(a0.size),
                      np.arange(a0.size)))
    beams, targets = [], None
    if wall_positions is not None:
        probs = probe.probs
        top = strongest(probs, to_wall)
        beams.append(part(lattice.nodes[-1][top], wall_positions[top], probs[top], len(slabs), top, top))
        targets = top
    for li in range(len(slabs) - 1, 0, -1):  # from the wall back to the front: each beam leads on
        slab = slabs[li]
        contrib = probe.post[li - 1][None, :] * params[f"{slab.name}.weight"]  # (rows, cols)
        if targets is None:
            j, i = np.divmod(strongest(contrib, per_layer), slab.cols)
        else:
            j, i = strongest_into(contrib, targets, per_layer)
        inputs = units if li == 1 else lattice.nodes[li - 1]
        beams.append(part(inputs[i], lattice.nodes[li][j], contrib[j, i], li, i, j))
        targets = np.unique(i)
    parts += beams[::-1]
    fields = [np.concatenate(f) for f in zip(*parts, strict=True)]
    n = len(fields[0])
    return Rays(*(f.astype(np.float32) if f.dtype.kind == "f" else f for f in fields), words.astype(np.float32),
                np.zeros(n, np.int8), np.full(n, -1, np.int32))
