"""What the HUD and the inspector say, against torch."""

import numpy as np
import torch

from cube_viz.config import TrainConfig
from cube_viz.scene.facts import hud_text, plate_facts, spoken, word_facts
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL


def test_a_weights_facts_are_its_value_gradient_and_contribution_to_the_prompt():
    t = Trainer.from_config(TrainConfig(**SMALL))
    for _ in range(20):
        t.step()
    snap = t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    frame = build_frame(spec, snap)
    lat, sd = spec.lattice, t.model.state_dict()
    out = [s.name for s in lat.slabs].index("out")
    i = int(np.flatnonzero((lat.layer == out) & (lat.row == 5) & (lat.col == 7))[0])  # out.weight[5, 7]
    w = sd["out.weight"][5, 7].item()
    g = t.model.out.weight.grad[5, 7].item()
    with torch.no_grad():  # the hidden unit 7's activation for the prompt, from the state_dict alone
        x = sd["embed.weight"][torch.from_numpy(snap.probe.context_ids.copy())].reshape(-1)
        a = torch.tanh(sd["hidden.0.weight"] @ x + sd["hidden.0.bias"])[7].item()
    text = plate_facts(spec, frame, "reflector", i, snap.probe)
    assert f"row 5, col 7<br>(hidden unit 7 → word “{spec.vocab[5]}”)" in text
    assert f"weight <b>{w:+.5f}</b>" in text and f"gradient {g:+.2e}" in text
    assert f"= {a:+.4f} × {w:+.4f} = {a * w:+.5f}" in text

    b = int(np.flatnonzero((lat.bias_layer == out) & (lat.bias_row == 3))[0])  # out.bias[3]
    bias = plate_facts(spec, frame, "bias", b, snap.probe)
    assert f"bias <b>{sd['out.bias'][3].item():+.5f}</b>" in bias and "contribution" not in bias


def test_a_words_facts_and_the_hud_rank_it_by_torchs_softmax():
    t = Trainer.from_config(TrainConfig(**SMALL))
    for _ in range(30):
        t.step()
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    frame = build_frame(spec, t.snapshot())
    with torch.no_grad():
        probs = torch.softmax(t.model(torch.from_numpy(frame_ids := t.snapshot().probe.context_ids.copy())), -1)
    order = torch.argsort(probs, descending=True).tolist()
    word = order[4]
    assert f"probability {probs[word].item():.3g}, rank 5 of {len(probs)}" in word_facts(spec, frame, word)
    hud = hud_text(frame, spec.vocab)
    lines = hud.splitlines()
    guesses = lines.index(next(line for line in lines if line.startswith("predicts: ")))
    assert [line.rsplit(" ", 1)[0].removeprefix("predicts:").strip() for line in lines[guesses:guesses + 3]] == [
        spoken(spec.vocab[i]) for i in order[:3]]
    assert lines[guesses].startswith(f"predicts: {spoken(spec.vocab[order[0]])} ")
    context = next(line for line in lines if line.startswith("context: "))
    assert [spec.vocab[i] for i in frame_ids][-1] in context.split()
    assert max(len(line) for line in lines) <= 40  # short lines: the HUD fits the gutter beside the cube


def test_the_transformers_long_context_wraps_so_the_hud_keeps_its_size():
    from tests.conftest import SMALL_TRANSFORMER, trained_scene

    t, spec, _ = trained_scene(TrainConfig(**{**SMALL_TRANSFORMER, "context": 8}), 2)
    t.set_probe("these owls do not jump at the barn")
    lines = hud_text(build_frame(spec, t.snapshot()), spec.vocab).splitlines()
    assert max(len(line) for line in lines) <= 40  # as short as the MLP's: the HUD is drawn as large
    start = next(i for i, line in enumerate(lines) if line.startswith("context: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("predicts: "))
    assert " ".join(line.strip() for line in lines[start:end]) == "context: these owls do not jump at the barn ___"


def test_the_hud_names_a_punctuation_mark_rather_than_printing_it_bare():
    assert spoken(".") == '"." (full stop)' and spoken("book") == "book"
