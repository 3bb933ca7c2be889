"""Corpus loading, the word-level tokenizer and the (context -> next word) examples.

Each line of the text is one document. Its words are left-padded with `context` copies of
the boundary token `<s>`, so the first word of a line is predicted from `<s> <s> ...` and a
short prompt reads as the start of a sentence. Words outside the vocabulary map to `<unk>`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from cube_viz.errors import UserError

UNK = "<unk>"
BOUNDARY = "<s>"
SPECIALS = (UNK, BOUNDARY)
_WORD = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-cased words and single punctuation marks: "The cat's toy." -> [the, cat's, toy, .]"""
    return _WORD.findall(text.lower())


def bundled_corpus_path() -> Path:
    """assets/corpus.txt: inside the installed wheel, or at the top of a source checkout."""
    installed = Path(str(resources.files("cube_viz"))) / "assets" / "corpus.txt"
    return installed if installed.exists() else Path(__file__).resolve().parents[2] / "assets" / "corpus.txt"


def read_corpus_text(path: str | Path | None) -> str:
    """The text of a UTF-8 corpus file (the bundled one for None); UserError on anything unusable."""
    p = bundled_corpus_path() if path is None else Path(path)
    if not p.exists():
        raise UserError(f"corpus file not found: {p}")
    if p.is_dir():
        raise UserError(f"corpus path is a directory, not a text file: {p}")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise UserError(f"cannot read corpus file {p}: {e.strerror}") from None
    if not data.strip():
        raise UserError(f"corpus file is empty: {p}")
    if b"\x00" in data:
        raise UserError(f"corpus file is binary, not UTF-8 text: {p}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"corpus file is not valid UTF-8 text (byte {e.start}): {p}") from None


class Vocab:
    """Word <-> id. Ids 0 and 1 are `<unk>` and `<s>`; the rest by falling frequency, then alphabetically."""

    def __init__(self, words: list[str]):
        if list(words[: len(SPECIALS)]) != list(SPECIALS) or len(set(words)) != len(words):
            raise ValueError("a vocabulary starts with <unk>, <s> and has no repeated word")
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, lines: list[list[str]], max_size: int) -> Vocab:
        counts = Counter(w for line in lines for w in line if w not in SPECIALS)
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        return cls(list(SPECIALS) + ranked[: max_size - len(SPECIALS)])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, words: list[str]) -> list[int]:
        unk = self.index[UNK]
        return [self.index.get(w, unk) for w in words]

    def decode(self, ids) -> list[str]:
        return [self.words[int(i)] for i in ids]


def encode_prompt(vocab: Vocab, prompt: str, context: int) -> np.ndarray:
    """The last `context` word ids of a prompt, left-padded with `<s>`: (context,) int64."""
    ids = vocab.encode(tokenize(prompt))[-context:] if context else []
    pad = [vocab.index[BOUNDARY]] * (context - len(ids))
    return np.asarray(pad + ids, dtype=np.int64)


def windows(line_ids: list[list[int]], context: int, boundary_id: int) -> tuple[np.ndarray, np.ndarray]:
    """All (context, next word) pairs of padded lines: x (n, context) int64, y (n,) int64."""
    xs, ys = [], []
    for ids in line_ids:
        if not ids:
            continue
        padded = np.asarray([boundary_id] * context + ids, dtype=np.int64)
        # row t of the window view is padded[t : t + context + 1]
        view = np.lib.stride_tricks.sliding_window_view(padded, context + 1)
        xs.append(view[:, :context])
        ys.append(view[:, context])
    if not xs:
        return np.zeros((0, context), np.int64), np.zeros(0, np.int64)
    return np.concatenate(xs), np.concatenate(ys)


def next_words(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each position's next word in the windows x (n, k) whose last next word is y (n,): (n, k) int64.

    Row i of `windows` is padded[i : i + k] with next word padded[i + k], so position t's next word is
    x[i, t + 1] (and y[i] for the last): the targets of a model that predicts at every position. Where the
    window still lies in a line's `<s>` padding the next word is `<s>`, as for any other position.
    """
    return np.concatenate([x[:, 1:], y[:, None]], axis=1)


@dataclass(frozen=True)
class Dataset:
    """Training and held-out examples. Held out: every 10th line (all lines when too few)."""

    vocab: Vocab
    train_x: np.ndarray  # (n_train, context) int64
    train_y: np.ndarray  # (n_train,) int64
    heldout_x: np.ndarray  # (n_heldout, context) int64
    heldout_y: np.ndarray  # (n_heldout,) int64

    @property
    def unigram_entropy(self) -> float:
        """Entropy (nats) of the training targets' word frequencies: the loss of a model that ignores context."""
        counts = np.bincount(self.train_y, minlength=len(self.vocab)).astype(np.float64)
        p = counts[counts > 0] / counts.sum()
        return float(-(p * np.log(p)).sum())


def load_dataset(text: str, context: int, max_vocab: int, vocab: Vocab | None = None,
                 source: str = "corpus") -> Dataset:
    """Tokenize `text` line by line into examples; build the vocabulary unless one is given."""
    lines = [tokenize(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    n_words = sum(len(line) for line in lines)
    if n_words < context + 1:
        raise UserError(f"{source} has {n_words} word(s): too few to form one training example "
                        f"(needs at least {context + 1} with context {context})")
    vocab = vocab or Vocab.build(lines, max_vocab)
    ids = [vocab.encode(line) for line in lines]
    boundary = vocab.index[BOUNDARY]
    held = [i for i in range(len(ids)) if i % 10 == 9]
    if held:
        train_x, train_y = windows([ids[i] for i in range(len(ids)) if i % 10 != 9], context, boundary)
        heldout_x, heldout_y = windows([ids[i] for i in held], context, boundary)
    else:  # fewer than 10 lines: measure on the training examples themselves
        train_x, train_y = heldout_x, heldout_y = windows(ids, context, boundary)
    return Dataset(vocab, train_x, train_y, heldout_x, heldout_y)
