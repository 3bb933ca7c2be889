"""Frozen snapshots of one training step: plain read-only numpy arrays, no torch objects.

This is all the rest of the program (scene, animation, app) ever sees of the model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

Layout = tuple[tuple[str, tuple[int, ...]], ...]  # (parameter name, shape) in model order


def readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class Tensors(Mapping[str, np.ndarray]):
    """Named, read-only views into one flat float32 vector laid out like the model's parameters."""

    def __init__(self, flat: np.ndarray, layout: Layout):
        self.flat = readonly(flat)  # (P,) float32
        self.layout = layout
        self._spans = _spans(layout)
        size = self._spans[-1][2] if self._spans else 0
        if flat.shape != (size,):
            raise ValueError(f"layout {layout} does not fit a flat vector of shape {flat.shape}")

    def __getitem__(self, name: str) -> np.ndarray:
        for n, start, stop, shape in self._spans:
            if n == name:
                return self.flat[start:stop].reshape(shape)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.layout)

    def __len__(self) -> int:
        return len(self.layout)


def weight_indices(layout: Layout) -> np.ndarray:
    """(N,) int64 positions in params.flat of every weight-matrix entry (2-D `.weight`s), in model order.

    This is the reflectors' order: the lattice draws them in it, and knock-outs count in it.
    """
    return np.concatenate([np.arange(start, stop) for name, start, stop, shape in _spans(layout)
                           if name.endswith(".weight") and len(shape) == 2])


@functools.cache
def _spans(layout: Layout) -> tuple[tuple[str, int, int, tuple[int, ...]], ...]:
    """(name, start, stop, shape) of each parameter in the flat vector."""
    spans, offset = [], 0
    for name, shape in layout:
        size = math.prod(shape)
        spans.append((name, offset, offset + size, shape))
        offset += size
    return tuple(spans)


@dataclass(frozen=True)
class ProbeTrace:
    """One prompt's trip through the model (with the weights after the step).

    pre[l], post[l] for l = embedding, hidden layers..., output: embedding pre = post = the
    concatenated context embeddings (k*E,); hidden post = act(pre); output pre = logits (V,), post = probabilities (V,).
    """

    prompt: str
    context_ids: np.ndarray  # (k,) int64
    target_id: int | None  # the true next word when the probe comes from the corpus
    pre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]

    @property
    def probs(self) -> np.ndarray:
        return self.post[-1]  # (V,) float32, sums to 1


@dataclass(frozen=True)
class TransformerTrace(ProbeTrace):
    """The transformer's trip for one prompt of T = k words (L blocks, H heads, d = d_model, dh = d / H).

    pre/post keep ProbeTrace's meaning, by "layer": the embedding (pre = post = resid[0], (T, d)); each
    block's MLP hidden units (pre (T, 4d), post = GELU(pre)); the output (pre = the last position's
    logits (V,), post = their softmax, the wall). The rest, float32, read-only:
    """

    resid: np.ndarray  # (L+1, T, d) the residual stream entering block l, and (index L) after the last block
    resid_mid: np.ndarray  # (L, T, d) block l's stream after its attention, before its MLP
    ln1: np.ndarray  # (L, T, d) LayerNorm 1 of resid[l]: what q, k and v read
    attention: np.ndarray  # (L, H, T, T) probabilities, row = query position, column = key; future = exactly 0
    mixed: np.ndarray  # (L, T, d) the heads' value mixtures (head h in columns h*dh:(h+1)*dh): what o reads
    ln2: np.ndarray  # (L, T, d) LayerNorm 2 of resid_mid[l]: what the MLP's fc reads
    final: np.ndarray  # (T, d) ln_f of resid[L]: final[-1] @ embed.weight.T are the logits

    @property
    def mlp_pre(self) -> np.ndarray:
        return np.stack(self.pre[1:-1])  # (L, T, 4d) a copy

    @property
    def mlp_post(self) -> np.ndarray:
        return np.stack(self.post[1:-1])  # (L, T, 4d) a copy


TRANSFORMER_ARRAYS = ("resid", "resid_mid", "ln1", "attention", "mixed", "ln2", "final")  # TransformerTrace's own


@dataclass(frozen=True)
class Snapshot:
    """The model after `step` optimizer steps.

    params: values after the step. grads: the gradient of this step's batch loss.
    updates: params after - params before this step; `decay` is its weight-decay part
    (-lr * weight_decay * params before), so updates - decay is the gradient-driven part.
    Outside a step (Trainer.snapshot()) grads are the last step's and updates are zero; at step 0 both are zero.
    """

    step: int
    epoch: int  # completed passes over the training examples after this step
    batches_per_epoch: int
    loss: float  # this step's batch loss (nan at step 0)
    lr: float
    weight_decay: float
    params: Tensors
    grads: Tensors
    updates: Tensors
    probe: ProbeTrace | None

    @property
    def decay(self) -> Tensors:
        """The weight-decay part of `updates`: -lr * weight_decay * (params before the step)."""
        before = self.params.flat - self.updates.flat
        return Tensors(before * np.float32(-self.lr * self.weight_decay), self.params.layout)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params.layout)

    @property
    def epoch_progress(self) -> float:
        """Passes over the data so far, fractional: 2.5 = half way through the third epoch."""
        return self.step / self.batches_per_epoch
