"""Headless training speed of the default model, with snapshot capture off and on (every step).

    python scripts/bench_train.py [--steps 300] [--repeats 5]

Runs alternate off/on so machine noise hits both alike; prints medians and their ratio, ending with
`train_steps_per_s=<off> capture_steps_per_s=<on> capture_overhead=<off/on>`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from cube_viz.config import TrainConfig
from cube_viz.sim.trainer import Trainer


def steps_per_second(trainer: Trainer, steps: int, capture: bool) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step(capture=capture)
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per mode, interleaved")
    args = parser.parse_args()
    torch.set_num_threads(1)
    trainer = Trainer.from_config(TrainConfig())
    n_params = sum(p.numel() for p in trainer.model.parameters())
    steps_per_second(trainer, 50, capture=True)  # warm-up
    off, on = [], []
    for _ in range(args.repeats):
        off.append(steps_per_second(trainer, args.steps, capture=False))
        on.append(steps_per_second(trainer, args.steps, capture=True))
    m_off, m_on = statistics.median(off), statistics.median(on)
    print(f"default model: {n_params} weights, batch {trainer.config.batch_size}, "
          f"{args.repeats} runs x {args.steps} steps per mode")
    print(f"{'mode':<12}{'median steps/s':>16}{'min':>10}{'max':>10}")
    for name, xs in (("capture off", off), ("capture on", on)):
        print(f"{name:<12}{statistics.median(xs):>16.1f}{min(xs):>10.1f}{max(xs):>10.1f}")
    print(f"train_steps_per_s={m_off:.1f} capture_steps_per_s={m_on:.1f} capture_overhead={m_off / m_on:.3f}")


if __name__ == "__main__":
    main()
