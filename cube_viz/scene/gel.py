"""The gel between slabs: what the activation function did to the light arriving at each hidden unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.scene.lanes import EPS, gel_depths, lane_gel
from cube_viz.scene.lattice import Lattice
from cube_viz.sim.snapshot import ProbeTrace


@dataclass(frozen=True)
class Gel:
    positions: np.ndarray  # (G, 3) float32: half way between a hidden slab and the next (transformer: scene.lanes)
    gain: np.ndarray  # (G,) float32 log2(|act(z)| / |z|): > 0 amplified, 0 passed, < 0 suppressed
    layer: np.ndarray  # (G,) int32 slab index
    unit: np.ndarray  # (G,) int32


def gel_layers(lattice: Lattice) -> list[int]:
    """Slabs followed by an activation: all but the embedding (no activation) and the output (softmax: the wall)."""
    return list(range(1, len(lattice.slabs) - 1))


def sheet_depths(lattice: Lattice) -> list[float]:
    """Depths of the gel's sheets: half way from each hidden slab to the next; the transformer's LayerNorms
    and GELUs."""
    if lattice.lanes:
        return gel_depths(lattice)
    return [(lattice.slabs[li].y + lattice.slabs[li + 1].y) / 2 for li in gel_layers(lattice)]


def gel_positions(lattice: Lattice) -> np.ndarray:
    if lattice.lanes:
        return lane_gel(lattice, None)[0]
    parts = []
    for li in gel_layers(lattice):
        p = lattice.nodes[li].copy()
        p[:, 1] = (lattice.slabs[li].y + lattice.slabs[li + 1].y) / 2
        parts.append(p)
    return np.concatenate(parts) if parts else np.zeros((0, 3), np.float32)


def gel(lattice: Lattice, probe: ProbeTrace) -> Gel:
    if lattice.lanes:
        return Gel(*lane_gel(lattice, probe))
    layers = gel_layers(lattice)
    gain = [np.log2((np.abs(probe.post[li]) + EPS) / (np.abs(probe.pre[li]) + EPS)) for li in layers]
    return Gel(
        positions=gel_positions(lattice),
        gain=np.concatenate(gain).astype(np.float32) if gain else np.zeros(0, np.float32),
        layer=np.concatenate([np.full(lattice.slabs[li].rows, li, np.int32) for li in layers]) if layers
        else np.zeros(0, np.int32),
        unit=np.concatenate([np.arange(lattice.slabs[li].rows, dtype=np.int32) for li in layers]) if layers
        else np.zeros(0, np.int32),
    )
