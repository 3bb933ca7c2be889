"""One picture's worth of numbers: a snapshot turned into the arrays every element of the cube is drawn from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cube_viz.scene import orient
from cube_viz.scene.gel import Gel, gel
from cube_viz.scene.lanes import AttentionBeams, lane_ray_count, trace_lanes
from cube_viz.scene.lattice import Lattice, build_lattice
from cube_viz.scene.rays import PER_LAYER, TO_WALL, Rays, ray_count, trace_rays
from cube_viz.scene.wall import WallLayout, brightness, wall_layout
from cube_viz.sim.snapshot import Snapshot, Tensors


@dataclass(frozen=True)
class CubeSpec:
    """What stays fixed over a run: the lattice, the per-parameter tilt scales, the wall and the words."""

    lattice: Lattice
    scales: np.ndarray  # (P,) float32 per entry of params.flat
    wall: WallLayout
    vocab: tuple[str, ...]
    rays_per_layer: int = PER_LAYER  # beams per slab (--rays)
    rays_to_wall: int = TO_WALL
    every_position: bool = False  # the transformer: every word's attention drawn (faint), not only the last's

    @classmethod
    def build(cls, initial: Tensors, vocab: list[str], rays_per_layer: int = PER_LAYER,
              rays_to_wall: int = TO_WALL, every_position: bool = False) -> CubeSpec:
        lattice = build_lattice(initial.layout)
        return cls(lattice, orient.parameter_scales(initial), wall_layout(lattice, len(vocab)), tuple(vocab),
                   rays_per_layer, rays_to_wall, every_position)

    @property
    def ray_capacity(self) -> int:
        """The most light segments a frame of this spec holds: the renderer allocates them once."""
        count = lane_ray_count if self.lattice.lanes else ray_count
        return count(self.lattice, self.rays_per_layer, self.rays_to_wall, len(self.vocab))


@dataclass(frozen=True)
class Plates:
    """Reflectors (or biases) in lattice order."""

    weight: np.ndarray  # (N,) float32 the parameter's value
    grad: np.ndarray  # (N,) float32 its gradient this step
    theta: np.ndarray  # (N,) float32 tilt, radians
    normal: np.ndarray  # (N, 3) float32 unit
    tone: np.ndarray  # (N,) float32 colour coordinate


@dataclass(frozen=True)
class Losses:
    """Training losses for the loss chart: (n,) increasing steps and their (n,) losses."""

    steps: np.ndarray
    values: np.ndarray
    batches_per_epoch: int


@dataclass(frozen=True)
class Frame:
    step: int
    epoch: int
    loss: float
    reflectors: Plates
    biases: Plates
    rays: Rays | None
    gel: Gel | None
    probs: np.ndarray | None  # (V,) float32 exact softmax for the probe
    word_brightness: np.ndarray | None  # (V,) float32
    prompt: str | None
    target_id: int | None
    top_ids: np.ndarray | None  # (3,) int64 most probable words, best first
    knocked: np.ndarray | None = None  # (N,) bool reflectors knocked out (set to 0) for an ablation picture
    motion: Any = None  # anim.cycle.Motion: glows, turns, rays in flight, the wave (None: a still)
    caption: str | None = None  # a storyboard caption
    banner: str | None = None  # e.g. "epoch 3" as an epoch begins
    highlight: str | None = None  # storyboard highlight: "layer:NAME", "wall", "rays", "reflector:LAYER:ROW:COL"
    context: tuple[str, ...] | None = None  # the words the model reads: the prompt's last `context` tokens
    losses: Losses | None = None  # the training so far, for the loss chart (None: no chart)
    chart_step: int | None = None  # the step the chart marks: the one shown while history is scrubbed
    attention: AttentionBeams | None = None  # the transformer's: which rays are attention beams, and their weights


def plates(spec: CubeSpec, snapshot: Snapshot, index: np.ndarray) -> Plates:
    w = snapshot.params.flat[index]
    s = spec.scales[index]
    theta = orient.tilt(w, s).astype(np.float32)
    return Plates(w, snapshot.grads.flat[index], theta, orient.normals(theta), orient.tone(w, s))


def build_frame(spec: CubeSpec, snapshot: Snapshot, knocked: np.ndarray | None = None) -> Frame:
    lat = spec.lattice
    probe = snapshot.probe
    rays = gel_ = probs = lit = top = attention = None
    if probe is not None and lat.lanes:
        rays, attention = trace_lanes(lat, snapshot.params, probe, spec.rays_per_layer, spec.rays_to_wall,
                                      spec.wall.positions, spec.every_position)
    elif probe is not None:
        rays = trace_rays(lat, snapshot.params, probe, spec.rays_per_layer, spec.rays_to_wall, spec.wall.positions)
    if probe is not None:
        gel_ = gel(lat, probe)
        probs = probe.probs
        lit = brightness(probs)
        top = np.argsort(-probs, kind="stable")[:3]
    return Frame(snapshot.step, snapshot.epoch, snapshot.loss, plates(spec, snapshot, lat.param_index),
                 plates(spec, snapshot, lat.bias_param_index), rays, gel_, probs, lit,
                 None if probe is None else probe.prompt, None if probe is None else probe.target_id, top, knocked,
                 context=None if probe is None else tuple(spec.vocab[i] for i in probe.context_ids),
                 attention=attention)
