"""One training step as a visible cycle, driven by that step's numbers (pure numpy, no rendering).

Phases over the cycle's progress u in [0, 1] (CYCLE below):
  forward  the rays advance slab by slab from the front face to the wall (the weights before the step)
  wall     the wall shows those probabilities; the HUD shows the loss against the true word
  backward a wave front leaves the wall and travels back to the input face; each reflector glows
           as it passes: peak glow = |grad| / (|grad| + GLOW_SCALE), a fixed scale for every run
  update   each reflector turns as the wave passes it, by the gradient part of its update
  decay    the stabilizing field: each reflector is pulled towards neutral by the weight-decay part
  settle   the wall, rays and gel show the model after the step
At u = 1 every reflector shows exactly the new weight.

Weights and biases are two plate sets (PlateSet) that go through one code path: the same turn, glow,
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

from cube_viz.anim.easing import smoothstep, there_and_back
from cube_viz.anim.timeline import Clip
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, Frame, Plates, build_frame
from cube_viz.scene.lattice import Lattice
from cube_viz.sim.snapshot import Snapshot

CYCLE_SECONDS = 4.0  # one step's cycle, everywhere it plays (the window's N, lecture movies, storyboards)
GLOW_SCALE = 0.005  # |grad| at which a reflector glows at half strength; the same for every layer and run
FIELD_SCALE = 1e-5  # |weight-decay pull| at half strength of the stabilizing field
GLINT_TOP = 0.01  # the largest 1% of |update| this step glint (and every sign flip)
CYCLE = {"forward": Clip(0.0, 0.25, lag=1.0), "wall": Clip(0.22, 0.1), "backward": Clip(0.35, 0.4),
         "update": Clip(0.38, 0.45), "decay": Clip(0.8, 0.12), "settle": Clip(0.93, 0.05)}
PULSE = 0.08  # half width (in u) of a reflector's glow as the wave passes it
TURN = 0.12  # how long (in u) a reflector takes to turn once the wave has reached it


@dataclass(frozen=True)
class PlateSet:
    """One kind of plate, weights or biases: where each plate sits and which parameter it shows."""

    name: str  # "reflectors" | "biases": its field in Frame and in Motion
    positions: np.ndarray  # (N, 3) float32 plate centres
    layer: np.ndarray  # (N,) int32 slab index
    row: np.ndarray  # (N,) int32 output unit within the slab
    rows: np.ndarray  # (N,) int64 rows of the plate's slab (the wave's stagger runs over them)
    param_index: np.ndarray  # (N,) int64 the parameter's index in params.flat


def plate_sets(lat: Lattice) -> tuple[PlateSet, PlateSet]:
    """The lattice's reflectors and biases, as two instances of one plate set."""
    rows = np.array([s.rows for s in lat.slabs])  # (L,)
    return (PlateSet("reflectors", lat.positions, lat.layer, lat.row, rows[lat.layer], lat.param_index),
            PlateSet("biases", lat.bias_positions, lat.bias_layer, lat.bias_row, rows[lat.bias_layer],
                     lat.bias_param_index))


@dataclass(frozen=True)
class PlateMotion:
    """How one plate set moves in a frame."""

    glow: np.ndarray  # (N,) float32 in [0, 1]: gradient glow as the wave passes
    field: np.ndarray  # (N,) float32 in [0, 1]: weight-decay pull being applied
    glint: np.ndarray  # (N,) bool: largest updates and sign flips this step


@dataclass(frozen=True)
class Motion:
    """What moves in a frame, on top of the static picture."""

    reflectors: PlateMotion  # the weights
    biases: PlateMotion
    ray_reveal: np.ndarray | None  # (S,) float32 in [0, 1]: how far each ray has travelled
    wave_y: float | None  # position of the wave front along the light axis (None: no wave)
    exaggeration: float = 1.0
    decaying: bool = True  # weight decay is on: there is a stabilizing field to explain


def glow_level(grad: np.ndarray) -> np.ndarray:
    """Peak glow for a gradient: monotone in |grad|, 0 for 0, half at GLOW_SCALE, below 1."""
    g = np.abs(grad)
    return (g / (g + GLOW_SCALE)).astype(np.float32)


def wave_arrival(spec: CubeSpec, positions: np.ndarray, row: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(N,) the cycle time u at which the backward wave reaches each plate: back slabs first, and within a
    slab a short stagger by row, so the front reads as a wave."""
    lat = spec.lattice
    clip = CYCLE["backward"]
    depth = (lat.wall_y - positions[:, 1]) / (lat.wall_y - lat.front_y)  # 0 at the wall, 1 at the front
    stagger = 0.02 * row / np.maximum(rows - 1, 1)
    return (clip.start + clip.duration * depth + stagger).astype(np.float32)


def weight_at(after: np.ndarray, updates: np.ndarray, decay: np.ndarray, a_grad, a_decay) -> np.ndarray:
    """The shown weight part way through the update: exactly `after` when both fractions are 1."""
    return after - (1 - a_grad) * (updates - decay) - (1 - a_decay) * decay


def animated_plates(spec: CubeSpec, plates: Plates, index: np.ndarray, snap: Snapshot, u: float,
                    arrival: np.ndarray, exaggeration: float) -> tuple[Plates, np.ndarray, np.ndarray]:
    """Plates part way through the turn, plus the turn fraction and the decay fraction for each."""
    after, dw, decay = snap.params.flat[index], snap.updates.flat[index], snap.decay.flat[index]
    s = spec.scales[index]
    a_grad = smoothstep((u - arrival) / TURN)
    a_decay = CYCLE["decay"].progress(u) + np.zeros_like(a_grad)
    w = weight_at(after, dw, decay, a_grad, a_decay).astype(np.float32)  # float32, like a still frame
    theta = orient.tilt(w, s)
    if exaggeration != 1.0:  # overshoot by k x the turn, settling exactly at the new weight
        before = orient.tilt(after - dw, s)
        bump = np.where(a_grad >= 1, 0.0, np.sin(np.pi * a_grad))  # exactly 0 once the turn is done
        theta = theta + (exaggeration - 1) * (orient.tilt(after, s) - before) * bump
    theta = theta.astype(np.float32)
    return (Plates(w, plates.grad, theta, orient.normals(theta), orient.tone(w, s)),
            a_grad, a_decay)


def moving_plates(spec: CubeSpec, ps: PlateSet, new: Plates, snap: Snapshot, u: float,
                  exaggeration: float) -> tuple[Plates, PlateMotion]:
    """One plate set at progress u of the cycle: turned part way, glowing, pulled by the field, glinting."""
    arrival = wave_arrival(spec, ps.positions, ps.row, ps.rows)
    plates, a_grad, a_decay = animated_plates(spec, new, ps.param_index, snap, u, arrival, exaggeration)
    glow = glow_level(new.grad) * pulse(u, arrival)
    field = (field_level(snap.decay.flat[ps.param_index]) * there_and_back(a_decay)).astype(np.float32)
    glint = glinting(snap, ps.param_index) & (a_grad > 0) & (a_grad < 1)
    return plates, PlateMotion(glow.astype(np.float32), field, glint)


def cycle_frame(spec: CubeSpec, before: Snapshot, snap: Snapshot, u: float, exaggeration: float = 1.0) -> Frame:
    """The frame at progress u of the cycle of the step that turned `before` into `snap`."""
    lat = spec.lattice
    shown = build_frame(spec, snap if u >= CYCLE["settle"].start else before)  # rays, wall, gel, HUD
    new = build_frame(spec, snap) if u < CYCLE["settle"].start else shown
    moved = {ps.name: moving_plates(spec, ps, getattr(new, ps.name), snap, u, exaggeration)
             for ps in plate_sets(lat)}
    reveal = None
    if shown.rays is not None:
        stages = shown.rays.stage.astype(np.float64) / max(1, shown.rays.stage.max())
        reveal = np.ones(len(stages), np.float32) if u >= CYCLE["settle"].start else \
            CYCLE["forward"].progress(u, stages).astype(np.float32)
    back = CYCLE["backward"]
    wave_y = None
    if back.start <= u <= back.end:
        wave_y = float(lat.wall_y - (u - back.start) / back.duration * (lat.wall_y - lat.front_y))
    motion = Motion(moved["reflectors"][1], moved["biases"][1], reveal, wave_y, exaggeration, snap.weight_decay > 0)
    return replace(shown, reflectors=moved["reflectors"][0], biases=moved["biases"][0], motion=motion,
                   step=snap.step, epoch=snap.epoch, loss=snap.loss)


def pulse(u: float, arrival: np.ndarray) -> np.ndarray:
    """1 exactly when the wave reaches a plate, falling to 0 at PULSE before and after."""
    return np.clip(1 - np.abs(u - arrival) / PULSE, 0, 1) ** 2


def glinting(snap: Snapshot, index: np.ndarray) -> np.ndarray:
    """(N,) bool: the largest GLINT_TOP of |update| this step, and every weight whose sign flipped."""
    dw = np.abs(snap.updates.flat[index])
    after = snap.params.flat[index]
    before = after - snap.updates.flat[index]
    k = max(1, int(GLINT_TOP * dw.size))
    top = np.zeros(dw.size, bool)
    top[np.argpartition(dw, dw.size - k)[dw.size - k:]] = True
    return top | (np.sign(before) * np.sign(after) < 0)


def field_level(decay: np.ndarray) -> np.ndarray:
    """Full strength of the stabilizing field for a weight-decay pull: monotone in |decay|, 0 for 0, half at
    FIELD_SCALE, below 1."""
    d = np.abs(decay)
    return d / (d + FIELD_SCALE)


def training_frame(spec: CubeSpec, snap: Snapshot) -> Frame:
    """Training tempo: many steps a second, phases blended: the newest weights, their gradients glowing."""
    frame = build_frame(spec, snap)
    decay = snap.decay.flat
    moved = {ps.name: PlateMotion(glow_level(getattr(frame, ps.name).grad) * np.float32(0.35),
                                  (field_level(decay[ps.param_index]) * 0.5).astype(np.float32),
                                  glinting(snap, ps.param_index))
             for ps in plate_sets(spec.lattice)}
    return replace(frame, motion=Motion(moved["reflectors"], moved["biases"], None, None,
                                        decaying=snap.weight_decay > 0))
