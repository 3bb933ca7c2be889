"""Checkpoints: a plain dict saved with torch.save and read back with weights_only=True (no pickled code)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from textwrap import shorten

import numpy as np
import torch

from cube_viz.config import MODEL_FIELDS, TrainConfig
from cube_viz.errors import UserError
from cube_viz.sim.corpus import Vocab, encode_prompt, load_dataset, read_corpus_text
from cube_viz.sim.model import Model, model_for
from cube_viz.sim.trainer import Trainer
from cube_viz.sim.transformer import TinyTransformer

FORMAT = "cube-viz checkpoint 1"
KEYS = ("format", "model_state", "optimizer_state", "vocab", "config", "step", "epoch", "history")


def save_checkpoint(trainer: Trainer, path: str | Path) -> None:
    """Write atomically: an interrupted save never leaves a half-written file at `path`."""
    path = Path(path)
    state = {
        "format": FORMAT,
        "model_state": trainer.model.state_dict(),
        "optimizer_state": trainer.optimizer.state_dict(),
        "vocab": list(trainer.dataset.vocab.words),
        "config": trainer.config.to_dict(),
        "step": trainer.step_count,
        "epoch": trainer.epoch,
        "history": list(trainer.history),
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write checkpoint {path}: {e.strerror}") from None


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint dict, checked for shape; UserError for a missing, corrupt or foreign file."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"checkpoint not found: {p}" if not p.exists() else f"checkpoint is not a file: {p}")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for truncated/corrupt/pickled-code files
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot read checkpoint {p}: not a valid torch file ({shorten(reason, 120)})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT or any(k not in state for k in KEYS):
        raise UserError(f"{p} is not a cube-viz checkpoint (expected keys: {', '.join(KEYS[1:])})")
    return state


def model_from_state(state: dict, source: str) -> tuple[Model, Vocab, TrainConfig]:
    try:
        config = TrainConfig.from_dict(state["config"], source=f"checkpoint {source}")
        vocab = Vocab(list(state["vocab"]))
        model = model_for(config, len(vocab))
        model.load_state_dict(state["model_state"])
    except (UserError, ValueError, RuntimeError, TypeError) as e:
        raise UserError(f"checkpoint {source} is inconsistent: {str(e).splitlines()[0][:160]}") from None
    return model, vocab, config


def resume_trainer(path: str | Path, overrides: dict) -> Trainer:
    """A trainer that continues the checkpoint's run; `overrides` may change how, not what, is trained."""
    state = read_checkpoint(path)
    model, vocab, saved = model_from_state(state, str(path))
    changed = [k for k in MODEL_FIELDS if k in overrides and overrides[k] != getattr(saved, k)]
    if changed:
        raise UserError(f"--{changed[0].replace('_', '-')} differs from the checkpoint being resumed; "
                        "the model's shape and corpus are fixed by the checkpoint")
    config = saved.replace(**overrides)
    text = read_corpus_text(config.corpus)
    dataset = load_dataset(text, config.context, config.max_vocab, vocab=vocab,
                           source=config.corpus or "bundled corpus")
    trainer = Trainer(config, dataset, model=model, step=int(state["step"]), history=list(state["history"]))
    if config.optimizer == saved.optimizer:  # another optimizer starts fresh: the saved state is not its kind
        try:
            trainer.optimizer.load_state_dict(state["optimizer_state"])
        except (ValueError, KeyError, RuntimeError) as e:
            raise UserError(f"checkpoint {path} has an unusable optimizer state: {str(e)[:120]}") from None
    trainer.set_hyperparameters(lr=config.lr, weight_decay=config.weight_decay)
    return trainer


@dataclass
class TrainedModel:
    """A trained model for scripts and notebooks: `.predict("the cat")` -> next-word probabilities (V,);
    for the transformer also `.attention("the cat")` -> each head's attention probabilities."""

    model: Model  # eval mode
    vocab: list[str]  # index = token id
    config: TrainConfig
    step: int
    epoch: int
    history: list[float]

    @torch.no_grad()
    def predict(self, prompt: str) -> np.ndarray:
        ids = encode_prompt(Vocab(self.vocab), prompt, self.config.context)
        logits = self.model(torch.from_numpy(ids)[None])[0]  # (V,): the last position's, for the transformer
        return torch.softmax(logits, dim=-1).numpy()  # (V,) float32

    def attention(self, prompt: str) -> np.ndarray:
        """(layers, heads, T, T) float32: row = query position, column = key position, over the prompt's last
        T = context words (left-padded with <s>); rows sum to 1 and the future (above the diagonal) is 0."""
        if not isinstance(self.model, TinyTransformer):
            raise UserError(f"the {self.config.model} has no attention: only a --model transformer checkpoint has")
        ids = encode_prompt(Vocab(self.vocab), prompt, self.config.context)
        return self.model.trace(torch.from_numpy(ids))["attention"].numpy()


def load_checkpoint(path: str | Path) -> TrainedModel:
    """Load a checkpoint written by `cube-viz train --save` (safely: weights_only=True)."""
    state = read_checkpoint(path)
    model, vocab, config = model_from_state(state, str(path))
    model.eval()
    return TrainedModel(model, vocab.words, config, int(state["step"]), int(state["epoch"]), list(state["history"]))
