"""What the window and the training session say to each other: commands one way, results the other.

Plain frozen dataclasses of numbers and numpy arrays (no torch), so that they pickle across the process
boundary and the window's process never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube_viz.sim.snapshot import Snapshot, Tensors

HISTORY_TAIL = 5000  # losses sent with each snapshot, for the loss chart


@dataclass(frozen=True)
class Play:
    """Train on, at the session's speed (the intact model: a knock-out ends)."""


@dataclass(frozen=True)
class Pause:
    """Stop training; the paused model is published at once."""


@dataclass(frozen=True)
class Step:
    """One training step, published with the model before it so the window can play the step's cycle."""


@dataclass(frozen=True)
class SetSpeed:
    steps_per_second: float  # while playing (at least 0.1)


@dataclass(frozen=True)
class SetHyperparameters:
    """The optimizer's learning rate and weight decay from the next step on."""

    lr: float
    weight_decay: float


@dataclass(frozen=True)
class SetPrompt:
    text: str  # traced from now on; a prompt with no known word is refused, and said so


@dataclass(frozen=True)
class KnockOut:
    """Show the model with this fraction of its reflectors at 0 (0 restores them); the model stays intact."""

    fraction: float


@dataclass(frozen=True)
class SilenceHead:
    """Show the transformer with this attention head knocked out (its columns of attn.o at 0; layer < 0: every
    head restored); the model stays intact. Counted from 0, as in blocks.{layer}."""

    layer: int
    head: int


@dataclass(frozen=True)
class Reset:
    """The run from its start: the seed's initial weights, or the checkpoint's."""


@dataclass(frozen=True)
class Stop:
    """End the session (writing the checkpoint asked for)."""


Command = Play | Pause | Step | SetSpeed | SetHyperparameters | SetPrompt | KnockOut | SilenceHead | Reset | Stop


@dataclass(frozen=True)
class RunInfo:
    """What the window needs once: the starting weights (tilt scales), the words, the hyper-parameters."""

    initial: Tensors
    vocab: list[str]
    lr: float
    weight_decay: float
    batches_per_epoch: int
    layers: int = 0  # the transformer's blocks and heads per block (0: the MLP has none)
    heads: int = 0


@dataclass(frozen=True)
class Published:
    snapshot: Snapshot
    before: Snapshot | None  # set when this is one step to play as a full cycle
    losses: np.ndarray  # (<= HISTORY_TAIL,) the latest training losses, for the chart
    step: int  # steps trained so far (the run's step counter)
    steps_done: int  # steps trained in this session
    playing: bool
    message: str | None = None  # a problem to show (bad prompt, divergence)
    knocked: np.ndarray | None = None  # (N,) bool: reflectors knocked out in this (damaged) snapshot
    commands: int = 0  # commands the session had taken when it published this
