"""The training loop: deterministic batches, epochs, divergence guard and snapshot capture."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cube_viz.config import TrainConfig
from cube_viz.errors import Diverged, UserError
from cube_viz.sim.corpus import BOUNDARY, UNK, Dataset, encode_prompt, load_dataset, next_words, read_corpus_text
from cube_viz.sim.model import Model, model_for
from cube_viz.sim.snapshot import TRANSFORMER_ARRAYS, Layout, ProbeTrace, Snapshot, Tensors, TransformerTrace, readonly
from cube_viz.sim.transformer import TinyTransformer

# A mean cross-entropy above this means some true word got a probability that underflows float32
# to exactly 0: its loss is infinite in probability space, even though log_softmax keeps it finite.
MAX_FINITE_LOSS = -math.log(float(np.finfo(np.float32).smallest_subnormal))  # ~103.28 nats


@dataclass(frozen=True)
class Evaluation:
    loss: float  # mean cross-entropy, nats
    accuracy: float  # fraction of examples whose most probable word is the true next word


def flatten_parameters(params: list[nn.Parameter]) -> tuple[torch.Tensor, torch.Tensor]:
    """Re-seat every parameter and its gradient as views of two flat (P,) buffers, in model order.

    The optimizer and autograd keep working in place on the views, so a snapshot reads all weights or
    all gradients with one copy instead of a concatenation per step.
    """
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    flat_grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.data = flat[offset:offset + n].view_as(p)
        p.grad = flat_grad[offset:offset + n].view_as(p)
        offset += n
    return flat, flat_grad


def make_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    # Both apply weight decay as -lr * wd * w inside the step, which is what lets a snapshot split it out.
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def default_probe(dataset: Dataset) -> tuple[np.ndarray, int]:
    """A held-out example whose whole context is real words: (context ids (k,), target id)."""
    specials = [dataset.vocab.index[UNK], dataset.vocab.index[BOUNDARY]]
    full = ~np.isin(dataset.heldout_x, specials).any(axis=1)
    i = int(np.argmax(full)) if full.any() else 0
    return dataset.heldout_x[i], int(dataset.heldout_y[i])


class Trainer:
    """Owns the model and optimizer; `step()` trains one batch and may return a Snapshot.

    Batches are a pure function of (seed, step): epoch e visits the training examples in the
    order of a permutation seeded by (seed, e), so a resumed run sees exactly what a straight run would.
    The MLP learns each window's next word; the transformer every position's next word in the window
    (targets (B, k)), and is scored like the MLP: on the last position only (`evaluate`).
    """

    def __init__(self, config: TrainConfig, dataset: Dataset, model: Model | None = None,
                 step: int = 0, history: list[float] | None = None):
        self.config = config
        self.dataset = dataset
        self.model = model or model_for(config, len(dataset.vocab))
        self.every_position = isinstance(self.model, TinyTransformer)
        self.optimizer = make_optimizer(config, self.model)
        self.step_count = step
        self.history = list(history or [])
        self.layout: Layout = tuple((n, tuple(p.shape)) for n, p in self.model.named_parameters())
        self._params = list(self.model.parameters())
        self._flat, self._flat_grad = flatten_parameters(self._params)
        self._x = torch.from_numpy(dataset.train_x)
        self._y = torch.from_numpy(next_words(dataset.train_x, dataset.train_y) if self.every_position
                                   else dataset.train_y)  # (n,) or (n, k)
        self.batches_per_epoch = math.ceil(len(self._y) / config.batch_size)
        self._perm_epoch, self._perm = -1, None
        self.probe_prompt, self.probe_ids, self.probe_target = self._probe()

    @classmethod
    def from_config(cls, config: TrainConfig) -> Trainer:
        text = read_corpus_text(config.corpus)
        dataset = load_dataset(text, config.context, config.max_vocab, source=config.corpus or "bundled corpus")
        return cls(config, dataset)

    @property
    def epoch(self) -> int:
        return self.step_count // self.batches_per_epoch

    def steps_for(self, config: TrainConfig) -> int:
        """How many steps a run asks for: `epochs` passes when given, else `steps`."""
        if config.epochs is not None:
            return math.ceil(config.epochs * self.batches_per_epoch)
        return config.steps

    def initial_parameters(self) -> Tensors:
        """The weights this run started from (rebuilt from the seed: initialisation is deterministic)."""
        fresh = model_for(self.config, len(self.dataset.vocab))
        flat = torch.cat([p.detach().reshape(-1) for p in fresh.parameters()]).numpy()
        return Tensors(flat, self.layout)

    @contextlib.contextmanager
    def knocked_out(self, flat_indices: np.ndarray):
        """Within the block, the parameters at these params.flat indices are exactly 0; restored exactly after."""
        index = torch.from_numpy(np.asarray(flat_indices, np.int64))
        saved = self._flat[index].clone()
        self._flat[index] = 0.0
        try:
            yield
        finally:
            self._flat[index] = saved

    def set_hyperparameters(self, lr: float | None = None, weight_decay: float | None = None) -> None:
        for group in self.optimizer.param_groups:
            if lr is not None:
                group["lr"] = lr
            if weight_decay is not None:
                group["weight_decay"] = weight_decay

    def _probe(self, prompt: str | None = None) -> tuple[str, np.ndarray, int | None]:
        vocab = self.dataset.vocab
        prompt = self.config.probe if prompt is None else prompt
        if prompt is None:
            ids, target = default_probe(self.dataset)
            return " ".join(vocab.decode(ids)), ids, target
        ids = encode_prompt(vocab, prompt, self.config.context)
        if not np.isin(ids, [vocab.index[UNK], vocab.index[BOUNDARY]], invert=True).any():
            raise UserError(f"prompt {prompt!r} has no word the model knows")
        return prompt, ids, None

    def check_prompt(self, prompt: str) -> None:
        """UserError if the prompt has no known word (nothing changes)."""
        self._probe(prompt)

    def set_probe(self, prompt: str) -> None:
        """Trace this prompt from now on (UserError if it has no known word; the old probe stays then)."""
        self.probe_prompt, self.probe_ids, self.probe_target = self._probe(prompt)

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The (x (B, k), y (B,) or (B, k)) examples step `step` (0-based) trains on: a pure function of the seed
        and the step."""
        epoch, b = divmod(step, self.batches_per_epoch)
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.config.seed * 1_000_003 + epoch)
            self._perm_epoch, self._perm = epoch, torch.randperm(len(self._y), generator=g)
        idx = self._perm[b * self.config.batch_size:(b + 1) * self.config.batch_size]
        return self._x[idx], self._y[idx]

    def step(self, capture: bool = False) -> Snapshot | None:
        """One optimizer step on the next batch. Raises Diverged (weights left at their last finite values)."""
        x, y = self.batch(self.step_count)
        before = self._flat.clone()  # (P,) the divergence guard, and `updates`
        if self.every_position:
            loss = nn.functional.cross_entropy(self.model(x, every_position=True).flatten(0, 1), y.flatten())
        else:
            loss = nn.functional.cross_entropy(self.model(x), y)
        if not loss.item() <= MAX_FINITE_LOSS:  # also catches nan
            raise Diverged(self.step_count + 1, loss.item())
        self.optimizer.zero_grad(set_to_none=False)
        loss.backward()
        self.optimizer.step()
        if not np.isfinite(self._flat.numpy()).all():  # numpy: ~15x faster than torch.isfinite().all() here
            self._flat.copy_(before)
            raise Diverged(self.step_count + 1, loss.item(), weights=True)
        self.step_count += 1
        loss_value = loss.item()
        self.history.append(loss_value)
        if not capture:
            return None
        rows = torch.empty(3, self._flat.numel())  # params, grads, updates: one allocation per snapshot
        rows[0] = self._flat
        rows[1] = self._flat_grad
        torch.sub(self._flat, before, out=rows[2])
        return self._snapshot(loss_value, rows)

    def snapshot(self) -> Snapshot:
        """The current state outside a step: the last step's loss and gradient (nan and 0 before any), no update."""
        rows = torch.zeros(3, self._flat.numel())
        rows[0] = self._flat
        rows[1] = self._flat_grad
        return self._snapshot(self.history[-1] if self.history else math.nan, rows)

    def _snapshot(self, loss: float, rows: torch.Tensor) -> Snapshot:
        """rows (3, P): params, grads, updates, freshly allocated (the snapshot keeps them)."""
        params, grads, updates = (Tensors(row, self.layout) for row in rows.numpy())
        group = self.optimizer.param_groups[0]
        return Snapshot(step=self.step_count, epoch=self.epoch, batches_per_epoch=self.batches_per_epoch,
                        loss=loss, lr=float(group["lr"]), weight_decay=float(group["weight_decay"]),
                        params=params, grads=grads, updates=updates,
                        probe=self.trace(self.probe_ids, self.probe_prompt, self.probe_target))

    def trace(self, context_ids: np.ndarray, prompt: str, target_id: int | None = None) -> ProbeTrace:
        """One prompt (k,) through the current model (a TransformerTrace for the transformer)."""
        ids = readonly(context_ids.copy())
        if isinstance(self.model, TinyTransformer):
            t = {k: readonly(v.numpy()) for k, v in self.model.trace(torch.from_numpy(context_ids)).items()}
            pre = (t["resid"][0], *t["mlp_pre"], t["logits"])  # views of fresh tensors: no copy
            post = (t["resid"][0], *t["mlp_post"], t["probs"])
            return TransformerTrace(prompt, ids, target_id, pre, post,
                                    **{k: t[k] for k in TRANSFORMER_ARRAYS})
        pre, post = self.model.trace(torch.from_numpy(context_ids))
        pre, post = (tuple(readonly(t.numpy()) for t in ts) for ts in (pre, post))  # fresh tensors: no copy
        return ProbeTrace(prompt, ids, target_id, pre, post)

    @torch.no_grad()
    def evaluate(self, heldout: bool = True) -> Evaluation:
        """The next word of each example, read with its k previous words: for the transformer only the last
        position is scored, so its figures and the MLP's measure the same targets."""
        d = self.dataset
        x, y = (d.heldout_x, d.heldout_y) if heldout else (d.train_x, d.train_y)
        logits = self.model(torch.from_numpy(x))
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(y)).item()
        accuracy = (logits.argmax(-1) == torch.from_numpy(y)).double().mean().item()
        return Evaluation(loss, accuracy)
