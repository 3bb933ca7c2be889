"""Head knock-outs, checked against torch: the head silenced by zeroing its value mixture before o, in a hook."""

import json
from dataclasses import asdict

import pytest
import torch
from torch.nn import functional as F

from cube_viz.sim.ablation import Ablator
from cube_viz.sim.head_ablation import heads_knocked_out, run_head_ablation
from tests.conftest import SMALL_TRANSFORMER

HEADS = [(layer, head) for layer in range(SMALL_TRANSFORMER["layers"]) for head in range(SMALL_TRANSFORMER["heads"])]


@pytest.fixture(scope="module")
def trained():
    from cube_viz.config import TrainConfig
    from cube_viz.sim.trainer import Trainer

    t = Trainer.from_config(TrainConfig(**SMALL_TRANSFORMER))
    for _ in range(150):  # enough that knocking out a head of block 0 changes the probe's top word
        t.step()
    return t


@pytest.fixture(scope="module")
def report(trained):
    return run_head_ablation(trained)


def silenced(model, layer: int, head: int):
    """A forward hook on block `layer`'s attention that zeroes head `head`'s slice of the value mixture before o
    and applies o again: the head's contribution removed without touching any weight."""
    dh = model.d_model // model.heads

    def hook(attn, inputs, output):
        _, probs, mixed = output  # mixed (..., T, d): head h in columns h*dh:(h+1)*dh
        kept = mixed.clone()
        kept[..., head * dh:(head + 1) * dh] = 0.0
        return F.linear(kept, attn.o.weight, attn.o.bias), probs, mixed

    return model.blocks[layer].attn.register_forward_hook(hook)


@torch.no_grad()
def figures(trained, layer: int | None = None, head: int | None = None) -> tuple[float, float, torch.Tensor]:
    """(held-out loss, accuracy, the probe's probabilities (V,)) of the model itself, with one head silenced."""
    hook = silenced(trained.model, layer, head) if layer is not None else None
    try:
        x, y = torch.from_numpy(trained.dataset.heldout_x), torch.from_numpy(trained.dataset.heldout_y)
        logits = trained.model(x)
        probs = torch.softmax(trained.model(torch.from_numpy(trained.probe_ids)[None])[0], -1)
    finally:
        if hook is not None:
            hook.remove()
    return (F.cross_entropy(logits, y).item(), (logits.argmax(-1) == y).double().mean().item(), probs)


def test_every_head_is_measured_once_in_order(report):
    assert report.complete and (report.layers, report.heads) == (2, 2)
    assert [(k.layer, k.head) for k in report.knockouts] == HEADS
    # the checks of the top word below can tell "after" from "before" only if some knock-out changes it
    assert any(k.top_word != report.top_word for k in report.knockouts)


@pytest.mark.parametrize("layer, head", HEADS)
def test_a_knocked_out_head_is_its_mixture_zeroed_before_o(trained, report, layer, head):
    loss, accuracy, probs = figures(trained, layer, head)
    _, _, intact = figures(trained)
    k = report.knockouts[HEADS.index((layer, head))]
    assert k.loss == loss and k.accuracy == accuracy  # the same sums in the same order: exactly equal
    assert k.tvd == pytest.approx(0.5 * (probs - intact).abs().sum().item(), rel=1e-6, abs=1e-9)
    assert k.loss != report.baseline.loss and k.tvd > 0  # the head did something
    words = trained.dataset.vocab.words
    assert k.top_word == words[int(probs.argmax())] and k.top_probability == pytest.approx(probs.max().item())
    assert k.intact_top_probability == pytest.approx(probs[words.index(report.top_word)].item())


def test_the_baseline_is_the_intact_model(trained, report):
    loss, accuracy, probs = figures(trained)
    b = report.baseline
    assert (b.loss, b.accuracy, b.tvd) == (loss, accuracy, 0.0)
    assert report.top_word == trained.dataset.vocab.words[int(probs.argmax())]
    assert report.top_probability == pytest.approx(probs.max().item())
    assert report.prompt == trained.probe_prompt


def test_knocking_out_no_head_changes_nothing(trained, report):
    a = Ablator(trained)
    params = heads_knocked_out(a.params, trained.model.heads, [])
    assert all(params[n] is a.params[n] for n in a.params)
    assert a.measure_params(params) == report.baseline == a.measure()


def test_only_the_heads_columns_of_o_are_zeroed(trained):
    a = Ablator(trained)
    intact = {n: p.clone() for n, p in a.params.items()}
    dh = trained.model.d_model // trained.model.heads
    damaged = heads_knocked_out(a.params, trained.model.heads, [(1, 0), (0, 1)])
    for name, p in damaged.items():
        assert torch.equal(a.params[name], intact[name]), f"{name}: the ablator's own copy was written into"
        if name in ("blocks.0.attn.o.weight", "blocks.1.attn.o.weight"):
            cols = slice(dh, 2 * dh) if name.startswith("blocks.0") else slice(0, dh)
            assert torch.all(p[:, cols] == 0) and torch.all(intact[name][:, cols] != 0)
            rest = torch.ones(p.shape[1], dtype=torch.bool)
            rest[cols] = False
            assert torch.equal(p[:, rest], intact[name][:, rest])
        else:
            assert torch.equal(p, intact[name]), f"{name} changed"
    with pytest.raises(IndexError):
        heads_knocked_out(a.params, trained.model.heads, [(2, 0)])
    with pytest.raises(IndexError):
        heads_knocked_out(a.params, trained.model.heads, [(0, 2)])


def test_the_trained_model_is_unchanged():
    from cube_viz.config import TrainConfig
    from cube_viz.sim.trainer import Trainer

    t = Trainer.from_config(TrainConfig(**SMALL_TRANSFORMER))  # its own: the shared one may be written into already
    for _ in range(20):
        t.step()
    before = {k: v.clone() for k, v in t.model.state_dict().items()}
    run_head_ablation(t)
    for k, v in t.model.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed by the head knock-outs"


def test_the_report_serialises(report):
    d = json.loads(json.dumps(report.to_dict()))
    assert set(d) == {"prompt", "layers", "heads", "baseline", "top_word", "top_probability", "knockouts",
                      "complete"}
    assert d["knockouts"][3] == asdict(report.knockouts[3]) and set(d["baseline"]) == {"loss", "accuracy", "tvd"}


def test_an_interrupt_keeps_what_was_measured(trained, report):
    def two_then_ctrl_c(items):
        yield from list(items)[:2]
        raise KeyboardInterrupt

    try:
        r = run_head_ablation(trained, progress=two_then_ctrl_c)
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped run_head_ablation")
    assert not r.complete and r.knockouts == report.knockouts[:2] and r.baseline == report.baseline


def test_the_mlp_has_no_heads(small_trainer):
    with pytest.raises(TypeError, match="no heads"):
        run_head_ablation(small_trainer)
