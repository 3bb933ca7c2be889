"""`cube-viz train`: headless training with a progress bar, checkpoints and run recordings."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

import torch
from tqdm import tqdm

from cube_viz.app.paths import writable
from cube_viz.config import TrainConfig
from cube_viz.errors import EXIT_DIVERGED, EXIT_INTERRUPTED, Diverged, UserError
from cube_viz.sim.checkpoint import resume_trainer, save_checkpoint
from cube_viz.sim.recording import RunRecorder, record_every
from cube_viz.sim.trainer import Trainer


def run_train(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    save = writable(args.save, "--save") if args.save else None
    record = writable(args.record, "--record") if args.record else None
    if args.record_every is not None and args.record_every < 1:
        raise UserError("--record-every must be a positive integer")
    trainer = make_trainer(overrides, args.resume)
    total = trainer.steps_for(trainer.config)
    n_params = sum(p.numel() for p in trainer.model.parameters())

    with contextlib.ExitStack() as stack:
        recorder = None
        if record:
            every = args.record_every or record_every(n_params, total)
            recorder = stack.enter_context(RunRecorder(record, trainer.dataset.vocab.words,
                                                       trainer.config.to_dict(), every))
            recorder.add(trainer.snapshot())
        code = train_steps(trainer, total, recorder)
        if recorder:
            print(f"run recording: {record} ({recorder.count} snapshots, every {recorder.every} steps)")
    if save:
        save_checkpoint(trainer, save)
        print(f"checkpoint: {save} (step {trainer.step_count})")
    if code == 0:
        _report(trainer)
    return code


def make_trainer(overrides: dict[str, Any], checkpoint: str | None = None) -> Trainer:
    """A fresh trainer from the flags, or one continuing a checkpoint; prints what it will train."""
    torch.set_num_threads(1)  # a step of this size gains nothing from a second thread; leave it to the renderer
    trainer = resume_trainer(checkpoint, overrides) if checkpoint else Trainer.from_config(
        TrainConfig.from_dict(overrides, source="flags"))
    n_params = sum(p.numel() for p in trainer.model.parameters())
    print(f"corpus: {trainer.config.corpus or 'bundled'} · {len(trainer.dataset.vocab)} words · "
          f"{len(trainer.dataset.train_y)} examples ({trainer.batches_per_epoch} steps per epoch) · "
          f"{n_params} weights · {trainer.config.optimizer} lr {trainer.config.lr}")
    return trainer


def train_steps(trainer: Trainer, total: int, recorder: RunRecorder | None = None) -> int:
    """Run `total` steps; returns 0, or the exit code of an interruption or divergence (after printing why)."""
    start = trainer.step_count
    last = start + total
    bar = tqdm(total=total, unit="step", desc="training", dynamic_ncols=True, file=sys.stderr, disable=total == 0)
    try:
        while trainer.step_count < last:
            step = trainer.step_count + 1
            snapshot = trainer.step(capture=recorder is not None and (recorder.wants(step) or step == last))
            if snapshot is not None:
                recorder.add(snapshot)
            bar.update(1)
            if step % 25 == 0 or step == last:
                recent = trainer.history[-50:]
                bar.set_postfix(loss=f"{sum(recent) / len(recent):.3f}", epoch=trainer.epoch, refresh=False)
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted at step {trainer.step_count}; keeping what was made so far", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Diverged as e:
        bar.close()
        print(f"cube-viz: {e}", file=sys.stderr)
        return EXIT_DIVERGED
    bar.close()
    return 0


def _report(trainer: Trainer) -> None:
    held = trainer.evaluate(heldout=True)
    h = trainer.dataset.unigram_entropy
    print(f"step {trainer.step_count} (epoch {trainer.step_count / trainer.batches_per_epoch:.2f}): "
          f"held-out loss {held.loss:.3f} nats, next-word accuracy {held.accuracy:.1%}")
    print(f"unigram entropy of the corpus: {h:.3f} nats; the model's loss is {1 - held.loss / h:.0%} below it")
