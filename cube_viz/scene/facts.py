"""The facts the HUD and the window's inspector state, formatted once: pure functions of a frame."""

from __future__ import annotations

import textwrap
from html import escape

import numpy as np

from cube_viz.scene.frame import CubeSpec, Frame
from cube_viz.scene.lanes import head_of, slab_input
from cube_viz.scene.lattice import slab_title
from cube_viz.scene.wall import rank
from cube_viz.sim.snapshot import ProbeTrace


def percent(p: float) -> str:
    """A probability for the HUD: whole percents, one decimal under 1% (a word at 0.3% is not at 0%)."""
    return f"{p:.0%}" if p >= 0.01 else f"{p:.1%}"


HUD_LINE = 34  # characters: the HUD fits the gutter beside a centred cube
PUNCTUATION = {".": "full stop", ",": "comma", "?": "question mark", "!": "exclamation mark", ";": "semicolon",
               ":": "colon"}


def spoken(word: str) -> str:
    """A word as the HUD names it: a punctuation mark quoted and named ('"." (full stop)'), since a bare "."
    after "predicts:" reads like a typo."""
    return f'"{word}" ({PUNCTUATION[word]})' if word in PUNCTUATION else word


def hud_text(frame: Frame, vocab: tuple[str, ...]) -> str:
    """Step, epoch and loss; the context the model reads and the true next word; its top 3 guesses; what is
    knocked out. Short lines (none much over 34 characters for the default context), so that the HUD fits
    the gutter beside a centred cube: each fact on a line of its own, a guess a line."""
    loss = "-" if np.isnan(frame.loss) else f"{frame.loss:.3f}"
    lines = [f"step {frame.step}   epoch {frame.epoch + 1}", f"loss {loss}"]
    if frame.prompt is not None:
        # what the model reads: the last few words, padded with <s>, unknown words as <unk>, then the blank it
        # fills (wrapped: the transformer's 8 words made one long line, and the HUD shrank to fit it)
        lines += textwrap.wrap(f"context: {' '.join(frame.context)} ___", HUD_LINE, subsequent_indent="  ",
                               break_long_words=False)
        if frame.target_id is not None and frame.probs is not None:
            p, place = frame.probs[frame.target_id], rank(frame.probs, frame.target_id)
            top = " = the top guess" if place == 1 else ""
            lines += [f"true next word: {spoken(vocab[frame.target_id])}", f"  {percent(p)}, rank {place}{top}"]
        guesses = [f"{spoken(vocab[i])} {percent(frame.probs[i])}" for i in frame.top_ids]
        lines += [f"predicts: {guesses[0]}", *(f"          {g}" for g in guesses[1:])]
    if frame.knocked is not None:
        n = int(frame.knocked.sum())
        share = n / frame.knocked.size
        lines += [f"knocked out: {n} of {frame.knocked.size}", f"  reflectors ({share:.1%}), drawn dark"]
    return "\n".join(lines)


def plate_facts(spec: CubeSpec, frame: Frame, kind: str, i: int, probe: ProbeTrace | None) -> str:
    """The inspector's facts (rich text) on reflector or bias i of the frame: where it sits and what it joins,
    its value and gradient, and for a weight its contribution a_i x w to the prompt `probe` traces."""
    lat = spec.lattice
    weight = kind == "reflector"
    plates = frame.reflectors if weight else frame.biases
    w, g = float(plates.weight[i]), float(plates.grad[i])
    layer = int((lat.layer if weight else lat.bias_layer)[i])
    slab, row = lat.slabs[layer], int((lat.row if weight else lat.bias_row)[i])
    unit = f"word “{escape(spec.vocab[row])}”" if slab.name in ("embed", "out") else f"unit {row}"
    contribution = pattern = ""
    norm = next((name for name, span in lat.norms if span.start <= i < span.stop), None) if not weight else None
    if norm is not None:  # a transformer's LayerNorm gain or bias, at the gel before the slab it feeds
        part = "gain" if norm.endswith("weight") else "bias"
        head = f"<b>{escape(norm)}</b>: {part} of stream unit {row}<br>(LayerNorm before {slab_title(slab.name)})"
    elif not weight:
        head = f"<b>{slab_title(slab.name)}</b>: bias of {unit}<br>(added to {unit}'s input)"
    else:
        col = int(lat.col[i])
        link = {"embed": f"embedding dim {col} of {unit}", "out": f"hidden unit {col} → {unit}"}.get(
            slab.name, f"input unit {col} → output unit {row}")
        head = f"<b>{slab_title(slab.name)}</b> row {row}, col {col}<br>({link})"
        a = slab_inputs(lat, slab.name, layer, probe)
        if a is not None:
            contribution = (f"<br>contribution to the prompt:<br>a<sub>{col}</sub> × w = {a[col]:+.4f} × {w:+.4f}"
                            f" = {a[col] * w:+.5f}")
        if frame.attention is not None and lat.lanes:
            h = head_of(lat, layer, row, col, int(frame.attention.head.max()) + 1)
            if h is not None:
                block = int(slab.name.split(".")[1])
                pattern = f"<br><br>{head_pattern(frame, block, h)}"
    return (f"{head}<br>{'weight' if weight else 'bias'} <b>{w:+.5f}</b><br>gradient {g:+.2e}{contribution}"
            f"{pattern}")


def slab_inputs(lat, name: str, layer: int, probe: ProbeTrace | None) -> np.ndarray | None:
    """(cols,) what slab `name` reads for the prompt: the MLP's previous layer; the transformer's at the last
    position (scene.lanes.slab_input); None without a probe, and for the first slab."""
    if probe is None:
        return None
    if lat.lanes:
        return slab_input(probe, name, lat.lanes - 1)
    return probe.post[layer - 1] if layer > 0 else None


def head_pattern(frame: Frame, block: int, head: int) -> str:
    """Rich text: the head's attention for the prompt, a T x T table (row: the query word, column: the key word it
    reads), its future entries masked (·), each row summing to 1; drawn from the frame's attention beams."""
    a, words = frame.attention, frame.context
    t = len(words)
    table = np.full((t, t), np.nan)
    mine = (a.layer == block) & (a.head == head)
    table[a.query[mine], a.key[mine]] = a.weight[mine]
    cells = "".join(f"<th>{escape(w)}</th>" for w in words)
    rows = "".join(f"<tr><th>{escape(words[q])}</th>" + "".join(
        "<td>·</td>" if np.isnan(v) else f"<td>{v:.2f}</td>" for v in table[q]) + "</tr>" for q in range(t))
    return (f"<b>attention {block + 1}, head {head + 1}</b> (row reads column; · = the future, masked)"
            f"<table><tr><th></th>{cells}</tr>{rows}</table>")


def beam_facts(spec: CubeSpec, frame: Frame, s: int) -> str:
    """The inspector's facts (rich text) on light segment s: an attention beam's head, query, key and weight
    (and its head's pattern), or a beam's contribution."""
    r, a = frame.rays, frame.attention
    if r is None or s >= len(r.starts):
        return "<b>beam</b><br>no light on screen"
    if a is not None and s in a.segment:
        k = int(np.flatnonzero(a.segment == s)[0])
        block, head, q, key = int(a.layer[k]), int(a.head[k]), int(a.query[k]), int(a.key[k])
        words = frame.context
        return (f"<b>attention {block + 1}, head {head + 1}</b><br>query “{escape(words[q])}” (word {q + 1}) reads "
                f"key “{escape(words[key])}” (word {key + 1})<br>weight <b>{a.weight[k]:.3f}</b><br><br>"
                f"{head_pattern(frame, block, head)}")
    return f"<b>beam</b> (stage {int(r.stage[s])})<br>contribution {float(r.contribution[s]):+.5f}"


def word_facts(spec: CubeSpec, frame: Frame, word: int) -> str:
    """The inspector's facts (rich text) on a wall word: its probability and rank for the prompt on screen."""
    name = f"<b>word</b> “{escape(spec.vocab[word])}” (id {word})"
    if frame.probs is None:
        return f"{name}<br>no prediction on screen"
    return f"{name}<br>probability {frame.probs[word]:.3g}, rank {rank(frame.probs, word)} of {len(frame.probs)}"
