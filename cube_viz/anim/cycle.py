"""One training step as a visible cycle, driven by that step's numbers (pure numpy, no rendering).

StepCycle composes the phases of anim.phases (forward light, wall, wave back, turn, field, settle) over the
cycle's progress u in [0, 1]. What does not change from frame to frame is computed once: per spec (CyclePlan:
the plate sets and when the wave reaches each plate) and per step (StepCycle: the frames before and after
the step, every plate's old and new tilt, peak glow, full field and glints, the rays' stages). A frame then
costs the turn of every plate and nothing else. At u = 1 every plate shows exactly the new parameter.

Weights and biases are two plate sets (scene.lattice.PlateSet) that go through one code path: the same turn, glow,
stabilizing field and glints. The biases get a field because the optimizer does decay them: the trainer
keeps torch's AdamW (and SGD) default of one parameter group with weight decay on every parameter, so
-lr * wd * b is part of every bias update. nanoGPT decays only parameters with two or more dimensions;
we keep torch's default because splitting the parameters into two groups would change the optimizer
state's layout: checkpoint.load would refuse every existing checkpoint ("different number of parameter
groups"). Whatever the optimizer does to a plate, the picture shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cube_viz.anim.phases import (  # noqa: F401 (CYCLE and CYCLE_SECONDS re-exported: the cycle's table)
    CYCLE,
    CYCLE_SECONDS,
    Field,
    ForwardLight,
    Settle,
    Turn,
    Wall,
    WaveBack,
)
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, Frame, Plates, build_frame
from cube_viz.scene.lanes import ATTENTION, FAINT_ATTENTION, LANE
from cube_viz.scene.lattice import PlateSet, plate_sets
from cube_viz.sim.snapshot import Snapshot

GLOW_SCALE = 0.002  # |grad| at which a plate glows at half strength; the same for every layer and run
FIELD_SCALE = 3e-6  # |weight-decay pull| at half strength of the stabilizing field
CARRIED = (LANE, ATTENTION, FAINT_ATTENTION)  # the light the wave runs back along to earlier words
GLINT_TOP = 0.01  # the largest 1% of |update| of a plate set this step glint (and every sign flip)


@dataclass(frozen=True)
class PlateMotion:
    """How one plate set moves in a frame."""

    glow: np.ndarray  # (N,) float32 in [0, 1]: gradient glow as the wave passes
    field: np.ndarray  # (N,) float32 in [0, 1]: weight-decay pull being applied
    glint: np.ndarray  # (N,) bool: largest updates and sign flips this step (drawn swollen while turning)


@dataclass(frozen=True)
class Motion:
    """What moves in a frame, on top of the static picture."""

    reflectors: PlateMotion  # the weights
    biases: PlateMotion
    ray_reveal: np.ndarray | None  # (S,) float32 in [0, 1]: how far each ray has travelled
    wave_y: float | None  # position of the wave front along the light axis (None: no wave)
    exaggeration: float = 1.0
    decaying: bool = True  # weight decay is on: there is a stabilizing field to explain
    wall: float = 1.0  # the wall phase: 0 until the forward light reaches the wall, 1 once it shows the
    # prediction (not drawn yet: the wall is lit throughout, as before)
    ray_glow: np.ndarray | None = None  # (S,) float32 in [0, 1]: the transformer's lanes and attention beams lit by
    # the wave as it passes them, each as much as its own light (the gradient returns along attention in proportion
    # to the weight)


def glow_level(grad: np.ndarray) -> np.ndarray:
    """Peak glow for a gradient: monotone in |grad|, 0 for 0, half at GLOW_SCALE, below 1."""
    g = np.abs(grad)
    return (g / (g + GLOW_SCALE)).astype(np.float32)


def field_level(decay: np.ndarray) -> np.ndarray:
    """Full strength of the stabilizing field for a weight-decay pull: monotone in |decay|, 0 for 0, half at
    FIELD_SCALE, below 1."""
    d = np.abs(decay)
    return d / (d + FIELD_SCALE)


def glinting(snap: Snapshot, index: np.ndarray) -> np.ndarray:
    """(N,) bool: the largest GLINT_TOP of |update| among these plates this step, and every sign flip."""
    dw = np.abs(snap.updates.flat[index])
    after = snap.params.flat[index]
    before = after - snap.updates.flat[index]
    k = max(1, int(GLINT_TOP * dw.size))
    top = np.zeros(dw.size, bool)
    top[np.argpartition(dw, dw.size - k)[dw.size - k:]] = True
    return top | (np.sign(before) * np.sign(after) < 0)


def wave_arrival(spec: CubeSpec, positions: np.ndarray, row: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(N,) float32 the cycle time u at which the backward wave reaches each plate (see WaveBack.arrival)."""
    return WaveBack.of(spec.lattice).arrival(positions, row, rows)


def weight_at(after: np.ndarray, pushed: np.ndarray, decay: np.ndarray, a_grad, a_decay) -> np.ndarray:
    """The shown parameter part way through the update (`pushed`: its gradient part, `decay` its weight-decay
    part): exactly `after` when both fractions are 1."""
    return after - (1 - a_grad) * pushed - (1 - a_decay) * decay


@dataclass(frozen=True)
class CyclePlan:
    """What every step's cycle shares for one spec: its phases, its plate sets and when the wave reaches
    each plate. Build it once per spec (the director does) and hand it to each StepCycle."""

    sets: tuple[PlateSet, ...]  # reflectors, biases
    arrival: tuple[np.ndarray, ...]  # per set (N,) float32: the u at which the wave reaches each plate
    wave: WaveBack
    forward: ForwardLight
    wall: Wall
    turn: Turn
    field: Field
    settle: Settle

    @classmethod
    def of(cls, spec: CubeSpec) -> CyclePlan:
        wave = WaveBack.of(spec.lattice)
        sets = plate_sets(spec.lattice)
        arrival = tuple(wave.arrival(ps.positions, ps.row, ps.rows) for ps in sets)
        return cls(sets, arrival, wave, ForwardLight(), Wall(), Turn(), Field(), Settle())


@dataclass(frozen=True)
class PlateStep:
    """One plate set's numbers for one step, fixed over the step's cycle (all (N,) in the set's order)."""

    after: np.ndarray  # float32 the parameter after the step
    pushed: np.ndarray  # float32 the gradient part of its update
    decay: np.ndarray  # float32 the weight-decay part
    scale: np.ndarray  # float32 tilt scale
    grad: np.ndarray  # float32
    turn: np.ndarray  # float64 tilt after - tilt before: what an exaggerated turn overshoots by
    glow: np.ndarray  # float32 peak glow as the wave passes
    field: np.ndarray  # float32 the field at full strength
    glint: np.ndarray  # bool glints once turning

    @classmethod
    def of(cls, spec: CubeSpec, ps: PlateSet, snap: Snapshot, decay: np.ndarray) -> PlateStep:
        """decay: (P,) snap.decay.flat, computed once for every set."""
        i = ps.param_index
        after, dw, d, s = snap.params.flat[i], snap.updates.flat[i], decay[i], spec.scales[i]
        grad = snap.grads.flat[i]
        return cls(after, dw - d, d, s, grad, orient.tilt(after, s) - orient.tilt(after - dw, s), glow_level(grad),
                   field_level(d), glinting(snap, i))

    def at(self, a_grad: np.ndarray, a_decay: np.ndarray, glow: np.ndarray, field: np.ndarray,
           exaggeration: float) -> tuple[Plates, PlateMotion]:
        """The plates with a_grad (N,) of their turn made and a_decay of the pull applied, lit by the wave's
        pulse glow (N,) and the field's strength field ()."""
        w = weight_at(self.after, self.pushed, self.decay, a_grad, a_decay).astype(np.float32)  # like a still
        theta = orient.tilt(w, self.scale)
        if exaggeration != 1.0:  # overshoot by k x the turn, settling exactly at the new weight
            bump = np.where(a_grad >= 1, 0.0, np.sin(np.pi * a_grad))  # exactly 0 once the turn is done
            theta = theta + (exaggeration - 1) * self.turn * bump
        theta = theta.astype(np.float32)
        plates = Plates(w, self.grad, theta, orient.normals(theta), orient.tone(w, self.scale))
        motion = PlateMotion((self.glow * glow).astype(np.float32), (self.field * field).astype(np.float32),
                             self.glint & (a_grad > 0) & (a_grad < 1))
        return plates, motion


class StepCycle:
    """The cycle of the step that turned `before` into `after`: frame(u) for u in [0, 1]."""

    def __init__(self, spec: CubeSpec, before: Snapshot, after: Snapshot, exaggeration: float = 1.0,
                 plan: CyclePlan | None = None):
        self.plan = plan or CyclePlan.of(spec)
        self.snap, self.exaggeration = after, exaggeration
        self.before, self.after = build_frame(spec, before), build_frame(spec, after)  # rays, wall, gel, HUD
        decay = after.decay.flat  # (P,)
        self.plates = tuple(PlateStep.of(spec, ps, after, decay) for ps in self.plan.sets)
        rays = self.before.rays
        self.stage = None if rays is None else rays.stage.astype(np.float64) / max(1, rays.stage.max())  # (S,)
        self.ray_arrival = None  # (S,) the u at which the wave passes each lane and attention segment's middle
        if rays is not None and spec.lattice.lanes:
            middle = (rays.starts + rays.ends) / 2
            self.ray_arrival = self.plan.wave.arrival(middle, np.zeros(len(middle)), np.ones(len(middle)))
            self.carried = np.where(np.isin(rays.kind, CARRIED), rays.intensity, 0).astype(np.float32)

    def frame(self, u: float, exaggeration: float | None = None) -> Frame:
        """The frame at progress u (exaggeration: the one the cycle was made with, unless given)."""
        p, snap = self.plan, self.snap
        k = self.exaggeration if exaggeration is None else exaggeration
        settled = p.settle.interpolate(u)
        shown = self.after if settled else self.before
        applied = p.field.interpolate(u)  # () float64
        field = p.field.strength(applied)
        moved = [plates.at(p.turn.interpolate(u, arrival), applied, p.wave.interpolate(u, arrival), field, k)
                 for plates, arrival in zip(self.plates, p.arrival, strict=True)]
        reveal = None
        if shown.rays is not None:
            reveal = np.ones(len(shown.rays.stage), np.float32) if settled else p.forward.interpolate(u, self.stage)
        glow = None
        if self.ray_arrival is not None and not settled:
            glow = (p.wave.interpolate(u, self.ray_arrival) * self.carried).astype(np.float32)
        motion = Motion(**{ps.name: m for ps, (_, m) in zip(p.sets, moved, strict=True)}, ray_reveal=reveal,
                        wave_y=p.wave.front(u), exaggeration=k, decaying=snap.weight_decay > 0,
                        wall=p.wall.interpolate(u), ray_glow=glow)
        return replace(shown, **{ps.name: plates for ps, (plates, _) in zip(p.sets, moved, strict=True)},
                       motion=motion, step=snap.step, epoch=snap.epoch, loss=snap.loss)


def cycle_frame(spec: CubeSpec, before: Snapshot, snap: Snapshot, u: float, exaggeration: float = 1.0) -> Frame:
    """The frame at progress u of the cycle of the step that turned `before` into `snap` (a one-off: to play
    a cycle, build its StepCycle once and ask it for every frame)."""
    return StepCycle(spec, before, snap, exaggeration).frame(u)


def training_frame(spec: CubeSpec, snap: Snapshot) -> Frame:
    """Training tempo: many steps a second, phases blended: the newest weights, their gradients glowing."""
    frame = build_frame(spec, snap)
    decay = snap.decay.flat
    moved = {ps.name: PlateMotion(glow_level(getattr(frame, ps.name).grad) * np.float32(0.35),
                                  (field_level(decay[ps.param_index]) * 0.5).astype(np.float32),
                                  glinting(snap, ps.param_index))
             for ps in plate_sets(spec.lattice)}
    return replace(frame, motion=Motion(**moved, ray_reveal=None, wave_y=None, decaying=snap.weight_decay > 0))
