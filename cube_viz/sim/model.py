"""The next-word MLP language model: embed the last k words, concatenate, hidden layers, project to the vocabulary.

`model_for(config, vocab_size)` builds whichever model a config asks for (this MLP or sim.transformer's).
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional as F

from cube_viz.config import TrainConfig
from cube_viz.sim.transformer import TinyTransformer, build_transformer

ACTIVATION_FUNCTIONS = {"tanh": torch.tanh, "relu": torch.relu, "gelu": F.gelu,
                        "sigmoid": torch.sigmoid}


class NextWordMLP(nn.Module):
    """Parameters, in the order light passes them: embed.weight, hidden.{i}.weight/bias, out.weight/bias."""

    def __init__(self, vocab_size: int, context: int, embed: int, hidden: tuple[int, ...], activation: str):
        super().__init__()
        self.context = context
        self.activation = activation
        self.act = ACTIVATION_FUNCTIONS[activation]
        self.embed = nn.Embedding(vocab_size, embed)  # weight (V, E)
        widths = [context * embed, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(widths))  # weight (H_out, H_in)
        self.out = nn.Linear(widths[-1], vocab_size)  # weight (V, H_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., k) int64 word ids -> logits (..., V)."""
        return self._layers(x, record=None)

    @torch.inference_mode()  # ~20% cheaper than no_grad for this one-prompt pass
    def trace(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per layer (embedding, hidden..., output) the pre- and post-activation vectors of one context x (k,).

        Embedding: pre = post = the concatenated embeddings (k*E,). Hidden: pre = z, post = act(z).
        Output: pre = logits (V,), post = softmax probabilities (V,).
        """
        record: list[tuple[torch.Tensor, torch.Tensor]] = []
        logits = self._layers(x, record)
        return [z for z, _ in record] + [logits], [h for _, h in record] + [torch.softmax(logits, dim=-1)]

    def _layers(self, x: torch.Tensor, record: list | None) -> torch.Tensor:
        # functional calls on the modules' weights: a module call costs ~15 us more on this CPU, per layer
        h = F.embedding(x, self.embed.weight).flatten(-2)  # (..., k*E)
        if record is not None:
            record.append((h, h))
        for layer in self.hidden:
            z = F.linear(h, layer.weight, layer.bias)  # (..., H)
            h = self.act(z)
            if record is not None:
                record.append((z, h))
        return F.linear(h, self.out.weight, self.out.bias)  # (..., V)


def build_model(vocab_size: int, context: int, embed: int, hidden: tuple[int, ...], activation: str,
                seed: int) -> NextWordMLP:
    """A freshly initialised model; the same seed gives bit-identical weights, without touching global RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return NextWordMLP(vocab_size, context, embed, hidden, activation)


Model = NextWordMLP | TinyTransformer  # both: forward(x (..., k)) -> next-word logits (..., V)


def model_for(config: TrainConfig, vocab_size: int) -> Model:
    """The freshly initialised model `config.model` names, seeded by `config.seed`."""
    if config.model == "transformer":
        return build_transformer(vocab_size, config.context, config.d_model, config.layers, config.heads, config.seed)
    return build_model(vocab_size, config.context, config.embed, config.hidden, config.activation, config.seed)
