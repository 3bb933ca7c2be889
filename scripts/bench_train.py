"""Headless training speed of the default models (the MLP and the transformer), snapshot capture off and on.

    python scripts/bench_train.py [--steps 200] [--repeats 15] [--models mlp,transformer]

Runs alternate model by model and off/on within each repeat, so machine noise hits all alike; prints medians and
their ratios, ending with `train_steps_per_s=<off> capture_steps_per_s=<on> capture_overhead=<off/on>` for the MLP,
then the same keys prefixed `transformer_` and `transformer_vs_mlp=<transformer off / MLP off>`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from cube_viz.config import MODELS, TrainConfig
from cube_viz.sim.trainer import Trainer


def steps_per_second(trainer: Trainer, steps: int, capture: bool) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step(capture=capture)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per model and mode, interleaved")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, of: " + ", ".join(MODELS))
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    if not models or set(models) - set(MODELS):
        parser.error(f"--models: choose from {', '.join(MODELS)}")
    torch.set_num_threads(1)
    trainers = {m: Trainer.from_config(TrainConfig(model=m)) for m in models}
    for trainer in trainers.values():
        steps_per_second(trainer, 50, capture=True)  # warm-up
    runs = {(m, mode): [] for m in models for mode in ("off", "on")}
    for _ in range(args.repeats):
        for m, trainer in trainers.items():
            runs[m, "off"].append(steps_per_second(trainer, args.steps, capture=False))
            runs[m, "on"].append(steps_per_second(trainer, args.steps, capture=True))
    print(f"default models, batch {TrainConfig().batch_size}, {args.repeats} runs x {args.steps} steps per mode")
    print(f"{'model':<13}{'weights':>8}  {'mode':<12}{'median steps/s':>16}{'min':>10}{'max':>10}")
    for m, trainer in trainers.items():
        n_params = sum(p.numel() for p in trainer.model.parameters())
        for mode in ("off", "on"):
            xs = runs[m, mode]
            print(f"{m:<13}{n_params:>8}  {'capture ' + mode:<12}{statistics.median(xs):>16.1f}{min(xs):>10.1f}"
                  f"{max(xs):>10.1f}")
    keys = []
    for m in models:
        off, on = statistics.median(runs[m, "off"]), statistics.median(runs[m, "on"])
        prefix = "" if m == "mlp" else f"{m}_"
        keys.append(f"{prefix}train_steps_per_s={off:.1f} {prefix}capture_steps_per_s={on:.1f} "
                    f"{prefix}capture_overhead={off / on:.3f}")
    if {"mlp", "transformer"} <= set(models):
        ratio = statistics.median(runs["transformer", "off"]) / statistics.median(runs["mlp", "off"])
        keys.append(f"transformer_vs_mlp={ratio:.3f}")
    print(" ".join(keys))


if __name__ == "__main__":
    main()
