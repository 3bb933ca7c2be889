"""Typed, frozen configuration. The same field names are TOML keys and (with dashes) CLI flags."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from cube_viz.errors import UserError

ACTIVATIONS = ("tanh", "relu", "gelu", "sigmoid")
OPTIMIZERS = ("sgd", "adam")
MODELS = ("mlp", "transformer")
# `context` left unset takes the model's own default: the transformer reads further back than the MLP
DEFAULT_CONTEXT = {"mlp": 4, "transformer": 8}
# `cube-viz ablate`: fractions of all weights knocked out (here, not in sim.ablation, so that the command
# line is built without importing torch: that alone took ~2.3 s of every launch)
KNOCKOUT_FRACTIONS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9)
# fields that fix the shape or meaning of the weights: a resumed run cannot change them
MODEL_FIELDS = ("corpus", "max_vocab", "model", "context", "embed", "hidden", "activation", "layers", "heads",
                "d_model")
# the fields only one kind of model reads: a flag or TOML key for the other kind is refused (cli.config_overrides)
MODEL_ONLY_FIELDS = {"mlp": ("embed", "hidden", "activation"), "transformer": ("layers", "heads", "d_model")}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what is trained and how. Defaults give ~29k weights on the bundled corpus
    (the MLP); `model="transformer"` ~34k."""

    corpus: str | None = None  # UTF-8 text file; None = the bundled assets/corpus.txt
    max_vocab: int = 400  # most frequent words kept (with <unk>, <s>); the rest become <unk>
    model: str = "mlp"  # mlp = the next-word MLP; transformer = the tiny decoder-only transformer
    # words the model sees before predicting the next one; None (unset) becomes the model's default,
    # DEFAULT_CONTEXT: 4 for the MLP, 8 for the transformer (after construction it is always an int)
    context: int | None = None
    embed: int = 16  # MLP: embedding size per context word
    hidden: tuple[int, ...] = (64, 64)  # MLP: widths of the hidden layers
    activation: str = "tanh"  # MLP: the hidden layers' activation (the transformer's MLPs use GELU)
    layers: int = 2  # transformer: blocks (attention + MLP)
    heads: int = 2  # transformer: attention heads per block
    d_model: int = 32  # transformer: width of the residual stream (a multiple of heads)
    optimizer: str = "adam"  # adam = AdamW (decoupled weight decay); sgd = plain SGD
    lr: float = 3e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    steps: int = 2000  # optimizer steps to run (on resume: steps to add)
    epochs: float | None = None  # if set, run this many passes over the corpus instead of `steps`
    seed: int = 0
    probe: str | None = None  # prompt traced through the model; None = a held-out corpus example

    def __post_init__(self) -> None:
        def need(ok: bool, field: str, what: str) -> None:
            if not ok:
                raise UserError(f"{field} must be {what}, got {getattr(self, field)!r}")

        need(self.model in MODELS, "model", "one of " + ", ".join(MODELS))
        if self.context is None:
            object.__setattr__(self, "context", DEFAULT_CONTEXT[self.model])  # frozen: set once, here
        for name in ("max_vocab", "context", "embed", "batch_size", "layers", "heads", "d_model"):
            need(_is_int(getattr(self, name)) and getattr(self, name) >= 1, name, "a positive integer")
        need(self.max_vocab >= 3, "max_vocab", "at least 3")
        need(isinstance(self.hidden, tuple) and all(_is_int(h) and h >= 1 for h in self.hidden),
             "hidden", "a list of positive integers, e.g. 64,64")
        need(self.d_model % self.heads == 0, "d_model", f"a multiple of heads ({self.heads})")
        need(self.activation in ACTIVATIONS, "activation", "one of " + ", ".join(ACTIVATIONS))
        need(self.optimizer in OPTIMIZERS, "optimizer", "one of " + ", ".join(OPTIMIZERS))
        need(_is_num(self.lr) and self.lr > 0, "lr", "a positive number")
        need(_is_num(self.weight_decay) and self.weight_decay >= 0, "weight_decay", "a number >= 0")
        need(_is_int(self.steps) and self.steps >= 0, "steps", "an integer >= 0")
        need(self.epochs is None or (_is_num(self.epochs) and self.epochs > 0), "epochs", "a positive number")
        need(_is_int(self.seed), "seed", "an integer")
        need(self.corpus is None or isinstance(self.corpus, str), "corpus", "a file path")
        need(self.probe is None or isinstance(self.probe, str), "probe", "a text")

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (for checkpoints and JSON): tuples become lists."""
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"{source}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
        values = dict(values)
        if isinstance(values.get("hidden"), list):
            values["hidden"] = tuple(values["hidden"])
        if _is_int(values.get("lr")) or _is_int(values.get("weight_decay")):  # TOML `lr = 1` is an int
            values = {k: float(v) if k in ("lr", "weight_decay") and _is_int(v) else v for k, v in values.items()}
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        return self.from_dict({**self.to_dict(), **changes})


def load_toml(path: str | Path, what: str = "config file", error: type[UserError] = UserError) -> dict[str, Any]:
    """The contents of a TOML file (a config, a storyboard); `error` for a missing or malformed file."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise error(f"{what} not found: {p}") from None
    except IsADirectoryError:
        raise error(f"{what} path is a directory: {p}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise error(f"{p}: not valid TOML: {e}") from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
