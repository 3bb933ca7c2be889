"""Cost of one step-cycle frame on the default model: the old cycle_frame against StepCycle.frame, interleaved.

    python scripts/bench_cycle.py [--frames 60] [--weight-decay 0.01]

The old implementation (kept below as it was before the step cycle became composed phases) built the
frames before and after the step and recomputed every wave arrival time on each frame; StepCycle does that
once per step (`setup_ms`) and a frame costs the plates' turn. Both are timed on the same u values, one
after the other, and checked to give the same reflector and bias plates. Ends with
`old_ms=<median> new_ms=<median> setup_ms=<median> speedup=<old/new> reflectors=<n>`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from cube_viz.anim.cycle import CyclePlan, StepCycle, glinting, glow_level
from cube_viz.anim.easing import smoothstep, there_and_back
from cube_viz.anim.phases import CYCLE, TURN
from cube_viz.config import TrainConfig
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, Plates, build_frame
from cube_viz.sim.trainer import Trainer

FIELD_SCALE, PULSE = 1e-5, 0.08


# --- the old implementation (commit 0e7ab1a), minus its Motion: what a frame used to cost ----------------
def old_arrival(spec, positions, row, rows):
    lat, clip = spec.lattice, CYCLE["backward"]
    depth = (lat.wall_y - positions[:, 1]) / (lat.wall_y - lat.front_y)
    return (clip.start + clip.duration * depth + 0.02 * row / np.maximum(rows - 1, 1)).astype(np.float32)


def old_plates(spec, plates, index, snap, u, arrival, exaggeration):
    after, dw, decay = snap.params.flat[index], snap.updates.flat[index], snap.decay.flat[index]
    s = spec.scales[index]
    a_grad = smoothstep((u - arrival) / TURN)
    a_decay = CYCLE["decay"].progress(u) + np.zeros_like(a_grad)
    w = (after - (1 - a_grad) * (dw - decay) - (1 - a_decay) * decay).astype(np.float32)
    theta = orient.tilt(w, s)
    if exaggeration != 1.0:
        before = orient.tilt(after - dw, s)
        bump = np.where(a_grad >= 1, 0.0, np.sin(np.pi * a_grad))
        theta = theta + (exaggeration - 1) * (orient.tilt(after, s) - before) * bump
    theta = theta.astype(np.float32)
    return Plates(w, plates.grad, theta, orient.normals(theta), orient.tone(w, s)), a_grad, a_decay


def old_cycle_frame(spec, before, snap, u, exaggeration=1.0):
    lat = spec.lattice
    shown = build_frame(spec, snap if u >= CYCLE["settle"].start else before)
    new = build_frame(spec, snap) if u < CYCLE["settle"].start else shown
    arrival = old_arrival(spec, lat.positions, lat.row, np.array([s.rows for s in lat.slabs])[lat.layer])
    plates, a_grad, a_decay = old_plates(spec, new.reflectors, lat.param_index, snap, u, arrival, exaggeration)
    rows = np.array([s.rows for s in lat.slabs])
    b_arrival = old_arrival(spec, lat.bias_positions, lat.bias_row, rows[lat.bias_layer])
    biases, _, _ = old_plates(spec, new.biases, lat.bias_param_index, snap, u, b_arrival, exaggeration)
    pulse = np.clip(1 - np.abs(u - arrival) / PULSE, 0, 1) ** 2
    glow = glow_level(new.reflectors.grad) * pulse
    bias_glow = glow_level(new.biases.grad) * np.clip(1 - np.abs(u - b_arrival) / PULSE, 0, 1) ** 2
    decay = snap.decay.flat[lat.param_index]
    field = (np.abs(decay) / (np.abs(decay) + FIELD_SCALE) * there_and_back(a_decay)).astype(np.float32)
    glint = glinting(snap, lat.param_index) & (a_grad > 0) & (a_grad < 1)
    reveal = None
    if shown.rays is not None:
        stages = shown.rays.stage.astype(np.float64) / max(1, shown.rays.stage.max())
        reveal = np.ones(len(stages), np.float32) if u >= CYCLE["settle"].start else \
            CYCLE["forward"].progress(u, stages).astype(np.float32)
    return plates, biases, (glow, bias_glow, field, glint, reveal)


def ms(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    args = parser.parse_args()
    torch.set_num_threads(1)
    trainer = Trainer.from_config(TrainConfig(weight_decay=args.weight_decay))
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    plan = CyclePlan.of(spec)  # per spec: the director builds it once
    for _ in range(5):
        trainer.step()
    before = trainer.snapshot()
    after = trainer.step(capture=True)
    setup, played = [], None
    for _ in range(7):
        t, played = ms(lambda: StepCycle(spec, before, after, 1.0, plan))
        setup.append(t)
    old, new = [], []
    for u in np.linspace(0, 1, args.frames):
        t_old, (plates, biases, _) = ms(lambda u=u: old_cycle_frame(spec, before, after, float(u)))
        t_new, frame = ms(lambda u=u: played.frame(float(u)))
        old.append(t_old)
        new.append(t_new)
        np.testing.assert_array_equal(frame.reflectors.theta, plates.theta)
        np.testing.assert_array_equal(frame.biases.theta, biases.theta)
    o, n, s = statistics.median(old), statistics.median(new), statistics.median(setup)
    count = len(spec.lattice.positions)
    print(f"old_ms={o:.2f} new_ms={n:.2f} setup_ms={s:.2f} speedup={o / n:.1f} reflectors={count}")


if __name__ == "__main__":
    main()
