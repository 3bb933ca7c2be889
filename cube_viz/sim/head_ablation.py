"""Attention-head knock-outs for the transformer: silence one head at a time and measure what the model loses.

Knocking out head h of block l sets columns h*dh:(h+1)*dh of blocks.{l}.attn.o.weight to exactly 0 (dh = d / H).
Those columns are the head's only way into the residual stream: o reads the heads' value mixtures side by side
(`mixed`, (T, d), head h in columns h*dh:(h+1)*dh), so with them at zero the head's mixture is multiplied by 0
and its contribution to every position vanishes, whatever it attends to. Nothing else changes: the other heads'
columns keep their weights, and o's bias, which belongs to no head, stays. Zeroing the head's rows of q or k
would not silence it (equal scores still mix the values evenly), nor would its rows of v (the mixture of v's
bias is that bias, which o would still pass on).

As in sim.ablation, every measurement runs on a damaged copy of the parameters: the model itself is never changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from cube_viz.sim.ablation import Ablator, Damage
from cube_viz.sim.snapshot import Layout
from cube_viz.sim.trainer import Trainer
from cube_viz.sim.transformer import TinyTransformer


@dataclass(frozen=True)
class HeadKnockout:
    """The model with one head knocked out: the Damage figures and the probe's prediction."""

    layer: int  # counted from 0, as in the parameter names: blocks.{layer}
    head: int  # counted from 0: columns head*dh:(head+1)*dh of blocks.{layer}.attn.o.weight
    loss: float  # held-out cross-entropy, nats
    accuracy: float  # held-out next-word accuracy
    tvd: float  # total variation distance of the probe's next-word distribution from the intact model's
    top_word: str  # the probe's most likely next word with this head knocked out
    top_probability: float  # its probability
    intact_top_probability: float  # the probability left to the intact model's top word


@dataclass
class HeadReport:
    prompt: str  # the probe
    layers: int
    heads: int  # per layer
    baseline: Damage  # the intact model (tvd 0)
    top_word: str  # the intact model's most likely next word for the probe
    top_probability: float
    knockouts: list[HeadKnockout] = field(default_factory=list)  # layer by layer, head by head
    complete: bool = False  # False when interrupted: what is here was measured, the rest was not

    def to_dict(self) -> dict:
        return asdict(self)


def heads_knocked_out(params: dict[str, torch.Tensor], heads: int,
                      knocked: Iterable[tuple[int, int]]) -> dict[str, torch.Tensor]:
    """A copy of the parameters with each (layer, head) in `knocked` silenced (its columns of attn.o.weight at 0)."""
    out = dict(params)
    for layer, head in knocked:
        name = f"blocks.{layer}.attn.o.weight"
        if name not in out or not 0 <= head < heads:
            raise IndexError(f"no head {head} in layer {layer}")
        if out[name] is params[name]:
            out[name] = params[name].clone()  # (d, d): never write into the model's own copy
        dh = out[name].shape[1] // heads
        out[name][:, head * dh:(head + 1) * dh] = 0.0
    return out


def head_columns(layout: Layout, layer: int, head: int, heads: int) -> np.ndarray:
    """(d * dh,) int64 the params.flat indices of head `head`'s columns of blocks.{layer}.attn.o.weight (row-major)."""
    name = f"blocks.{layer}.attn.o.weight"
    shapes = dict(layout)
    if name not in shapes or not 0 <= head < heads:
        raise IndexError(f"no head {head} in layer {layer}")
    start = sum(math.prod(shape) for n, shape in layout[:[n for n, _ in layout].index(name)])
    rows, cols = shapes[name]
    dh = cols // heads
    r, c = np.meshgrid(np.arange(rows), np.arange(head * dh, (head + 1) * dh), indexing="ij")
    return (start + r * cols + c).ravel().astype(np.int64)


def run_head_ablation(trainer: Trainer, progress: Callable[[Iterator], Iterator] = iter) -> HeadReport:
    """Every head of the transformer knocked out alone, measured like Ablator.measure, plus the intact baseline;
    `progress` wraps the heads (a tqdm bar, for instance).

    A KeyboardInterrupt returns the report gathered so far, with complete=False.
    """
    model = trainer.model
    if not isinstance(model, TinyTransformer):
        raise TypeError(f"head knock-outs need the transformer, not {type(model).__name__}: it has no heads")
    ablator = Ablator(trainer)
    vocab = trainer.dataset.vocab.words
    top = int(ablator.baseline_probs.argmax())
    report = HeadReport(prompt=trainer.probe_prompt, layers=model.layers, heads=model.heads,
                        baseline=ablator.measure(), top_word=vocab[top],
                        top_probability=float(ablator.baseline_probs[top]))
    try:
        for layer, head in progress([(la, h) for la in range(model.layers) for h in range(model.heads)]):
            params = heads_knocked_out(ablator.params, model.heads, [(layer, head)])
            probs = ablator.probe_probs(params)
            best = int(probs.argmax())
            report.knockouts.append(HeadKnockout(layer, head, **asdict(ablator.measure_params(params)),
                                                 top_word=vocab[best], top_probability=float(probs[best]),
                                                 intact_top_probability=float(probs[top])))
        report.complete = True
    except KeyboardInterrupt:
        pass
    return report
