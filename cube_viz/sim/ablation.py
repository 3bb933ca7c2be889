"""Knock-out experiments: set weights (reflectors) to zero and measure what the model can still do.

Every measurement runs the model through torch.func.functional_call on damaged copies of its
parameters, so the trained model itself is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from cube_viz.config import KNOCKOUT_FRACTIONS
from cube_viz.sim.trainer import Trainer


@dataclass(frozen=True)
class Damage:
    """Measurements of one (possibly damaged) model."""

    loss: float  # held-out cross-entropy, nats
    accuracy: float  # held-out next-word accuracy
    tvd: float  # total variation distance of the probe's next-word distribution from the intact model's


@dataclass
class AblationReport:
    baseline: Damage
    n_weights: int
    unigram_entropy: float  # the loss of a model that ignores the context: where "collapsed" lies
    fractions: list[dict] = field(default_factory=list)  # per fraction: count, means and spreads
    singles: dict | None = None  # single random knock-outs: median and max change
    salient: dict | None = None  # the single most salient reflector, |w * grad|
    complete: bool = False  # False when interrupted: what is here was measured, the rest was not

    def to_dict(self) -> dict:
        return asdict(self)


class Ablator:
    """Measures knock-outs of the weight matrices ("reflectors"; biases are left alone) of a trained model."""

    def __init__(self, trainer: Trainer):
        self.model = trainer.model
        self.params = {n: p.detach().clone() for n, p in self.model.named_parameters()}
        self.weights = [n for n, p in self.params.items() if n.endswith(".weight") and p.dim() == 2]
        self.sizes = [self.params[n].numel() for n in self.weights]
        self.n_weights = sum(self.sizes)
        d = trainer.dataset
        self.x, self.y = torch.from_numpy(d.heldout_x), torch.from_numpy(d.heldout_y)
        self.probe = torch.from_numpy(trainer.probe_ids)[None]
        self.baseline_probs = self.probe_probs(self.params)

    @torch.no_grad()
    def probe_probs(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """(V,) the probe's next-word distribution (its word wall) under these parameters."""
        return torch.softmax(functional_call(self.model, params, (self.probe,))[0], -1)

    def measure(self, knocked: np.ndarray | None = None) -> Damage:
        """Damage done by zeroing the weights at flat indices `knocked` (into the concatenated weight matrices)."""
        return self.measure_params(self.damaged(knocked))

    @torch.no_grad()
    def measure_params(self, params: dict[str, torch.Tensor]) -> Damage:
        """Damage done by running the model on these parameters (a damaged copy of self.params) instead."""
        logits = functional_call(self.model, params, (self.x,))
        loss = nn.functional.cross_entropy(logits, self.y).item()
        accuracy = (logits.argmax(-1) == self.y).double().mean().item()
        tvd = 0.5 * (self.probe_probs(params) - self.baseline_probs).abs().sum().item()
        return Damage(loss, accuracy, tvd)

    def damaged(self, knocked: np.ndarray | None) -> dict[str, torch.Tensor]:
        """A copy of the parameters with the listed weights set to exactly zero (the model keeps its own)."""
        params = dict(self.params)
        if knocked is None or len(knocked) == 0:
            return params
        flat = torch.cat([self.params[n].reshape(-1) for n in self.weights])  # (N,) a fresh copy
        flat[torch.from_numpy(np.asarray(knocked, np.int64))] = 0.0
        for name, part in zip(self.weights, torch.split(flat, self.sizes), strict=True):
            params[name] = part.view_as(self.params[name])
        return params

    def locate(self, index: int) -> tuple[str, int, int]:
        """(parameter, row, col) of a flat weight index."""
        for name, size in zip(self.weights, self.sizes, strict=True):
            if index < size:
                row, col = divmod(index, self.params[name].shape[1])
                return name, row, col
            index -= size
        raise IndexError(index)

    def saliency(self) -> np.ndarray:
        """(N,) |w * dL/dw| for the held-out loss: the first-order loss change of knocking each weight out."""
        params = {n: p.clone().requires_grad_(n in self.weights) for n, p in self.params.items()}
        loss = nn.functional.cross_entropy(functional_call(self.model, params, (self.x,)), self.y)
        grads = torch.autograd.grad(loss, [params[n] for n in self.weights])
        return torch.cat([(params[n].detach() * g).abs().reshape(-1)
                          for n, g in zip(self.weights, grads, strict=True)]).numpy()


def knockout_indices(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    """round(fraction * n) distinct flat indices, drawn without replacement."""
    return rng.choice(n, size=round(fraction * n), replace=False)


def summary(values: list[Damage]) -> dict:
    out = {}
    for key in ("loss", "accuracy", "tvd"):
        xs = np.array([getattr(v, key) for v in values])
        out[f"{key}_mean"] = float(xs.mean())
        out[f"{key}_std"] = float(xs.std())
        out[f"{key}_min"] = float(xs.min())
        out[f"{key}_max"] = float(xs.max())
    return out


def run_ablation(trainer: Trainer, fractions=KNOCKOUT_FRACTIONS, draws: int = 5, singles: int = 200,
                 seed: int = 0, progress: Callable[[Iterator], Iterator] = iter) -> AblationReport:
    """All knock-out experiments; `progress` wraps the work items (a tqdm bar, for instance).

    A KeyboardInterrupt returns the report gathered so far, with complete=False.
    """
    ablator = Ablator(trainer)
    rng = np.random.default_rng(seed)
    report = AblationReport(baseline=ablator.measure(), n_weights=ablator.n_weights,
                            unigram_entropy=trainer.dataset.unigram_entropy)
    jobs = [("fraction", f) for f in fractions] + [("singles", None), ("salient", None)]
    try:
        for kind, fraction in progress(jobs):
            if kind == "fraction":
                n_draws = 1 if fraction == 0 else draws
                results = [ablator.measure(knockout_indices(rng, ablator.n_weights, fraction)) for _ in range(n_draws)]
                report.fractions.append({"fraction": fraction, "count": round(fraction * ablator.n_weights),
                                         "draws": n_draws, **summary(results)})
            elif kind == "singles":
                picks = rng.choice(ablator.n_weights, size=min(singles, ablator.n_weights), replace=False)
                results = [ablator.measure(np.array([i])) for i in picks]
                s = summary(results)
                report.singles = {"count": len(results),
                                  **{f"{k}_median": float(np.median([getattr(r, k) for r in results]))
                                     for k in ("loss", "accuracy", "tvd")},
                                  "loss_max": s["loss_max"], "accuracy_min": s["accuracy_min"], "tvd_max": s["tvd_max"]}
            else:
                sal = ablator.saliency()
                best = int(sal.argmax())
                name, row, col = ablator.locate(best)
                report.salient = {"parameter": name, "row": row, "col": col, "saliency": float(sal[best]),
                                  "weight": float(ablator.params[name][row, col]),
                                  **asdict(ablator.measure(np.array([best])))}
        report.complete = True
    except KeyboardInterrupt:
        pass
    return report


def fraction_mask(n: int, fraction: float, seed: int) -> np.ndarray:
    """(n,) bool: the weights a scene knocks out for `--ablate fraction` (the same draw every time)."""
    mask = np.zeros(n, bool)
    mask[knockout_indices(np.random.default_rng(seed), n, fraction)] = True
    return mask
