"""Knock-outs: exact zeros, exact counts, and the trained model never changes."""

import numpy as np
import pytest
import torch

from cube_viz.sim.ablation import Ablator, knockout_indices, run_ablation
from cube_viz.sim.snapshot import weight_indices


@pytest.fixture(scope="module")
def trained():
    from cube_viz.config import TrainConfig
    from cube_viz.sim.trainer import Trainer
    from tests.conftest import SMALL

    t = Trainer.from_config(TrainConfig(**SMALL))
    for _ in range(80):
        t.step()
    return t


def state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_fraction_zero_changes_nothing(trained):
    a = Ablator(trained)
    base = a.measure()
    assert a.measure(np.array([], np.int64)) == base and base.tvd == 0.0
    for name, p in a.damaged(knockout_indices(np.random.default_rng(0), a.n_weights, 0.0)).items():
        assert torch.equal(p, a.params[name])


@pytest.mark.parametrize("fraction", [0.001, 0.1, 0.5, 1.0])
def test_knocked_out_weights_are_exactly_zero_and_exactly_counted(trained, fraction):
    a = Ablator(trained)
    idx = knockout_indices(np.random.default_rng(1), a.n_weights, fraction)
    assert len(idx) == round(fraction * a.n_weights) == len(np.unique(idx))
    damaged = a.damaged(idx)
    before = torch.cat([a.params[n].reshape(-1) for n in a.weights])
    after = torch.cat([damaged[n].reshape(-1) for n in a.weights])
    changed = before != after
    assert torch.all(after[torch.from_numpy(idx)] == 0)
    assert changed.sum() == (before[torch.from_numpy(idx)] != 0).sum()  # nothing else moved
    for name in a.params:  # biases are never knocked out
        if name not in a.weights:
            assert torch.equal(damaged[name], a.params[name])


def test_weight_index_order_matches_the_model(trained):
    idx = weight_indices(trained.layout)
    flat = torch.cat([p.detach().reshape(-1) for p in trained.model.parameters()]).numpy()
    weights = torch.cat([p.detach().reshape(-1) for n, p in trained.model.named_parameters()
                         if n.endswith("weight")]).numpy()
    np.testing.assert_array_equal(flat[idx], weights)


def test_the_trained_model_is_unchanged_by_an_ablation(trained):
    before = state(trained.model)
    report = run_ablation(trained, fractions=(0, 0.1, 0.9), draws=2, singles=20)
    assert report.complete
    for k, v in state(trained.model).items():
        assert torch.equal(v, before[k]), k


def test_knocked_out_context_restores_exactly(trained):
    before = state(trained.model)
    idx = weight_indices(trained.layout)[:50]
    with trained.knocked_out(idx):
        assert torch.all(trained.model.embed.weight.reshape(-1)[:50] == 0)
    for k, v in state(trained.model).items():
        assert torch.equal(v, before[k]), k


def test_damage_measures_against_torch(trained):
    a = Ablator(trained)
    idx = np.arange(a.n_weights)  # everything: the model predicts from its biases alone
    d = a.measure(idx)
    with torch.no_grad():  # with every weight matrix at zero only the output bias is left to predict with
        logits = trained.model.out.bias.expand(len(a.y), -1)
    assert d.loss == pytest.approx(torch.nn.functional.cross_entropy(logits, a.y).item(), rel=1e-5)
    assert 0 <= d.tvd <= 1


def test_salient_reflector_has_the_largest_w_times_grad(trained):
    a = Ablator(trained)
    sal = a.saliency()
    params = {n: p.clone().requires_grad_() for n, p in a.params.items()}
    loss = torch.nn.functional.cross_entropy(torch.func.functional_call(trained.model, params, (a.x,)), a.y)
    loss.backward()
    expected = torch.cat([(params[n] * params[n].grad).abs().reshape(-1) for n in a.weights]).detach().numpy()
    np.testing.assert_allclose(sal, expected, rtol=1e-5, atol=1e-10)


def torch_logits(sd: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The MLP (SMALL: one tanh hidden layer) from a state_dict alone: x (N, k) -> logits (N, V)."""
    h = sd["embed.weight"][x].flatten(1)
    h = torch.tanh(h @ sd["hidden.0.weight"].T + sd["hidden.0.bias"])
    return h @ sd["out.weight"].T + sd["out.bias"]


@pytest.mark.parametrize("fraction", [0.01, 0.25])
def test_damage_tvd_loss_and_accuracy_against_torch(trained, fraction):
    a = Ablator(trained)
    knocked = knockout_indices(np.random.default_rng(3), a.n_weights, fraction)
    d = a.measure(knocked)
    intact = {k: v.clone() for k, v in trained.model.state_dict().items()}
    damaged = {k: v.clone() for k, v in intact.items()}
    matrices = [n for n, v in intact.items() if n.endswith(".weight") and v.dim() == 2]  # the reflectors, in order
    starts = np.cumsum([0] + [intact[n].numel() for n in matrices])
    for name, start, stop in zip(matrices, starts[:-1], starts[1:], strict=True):
        mine = knocked[(knocked >= start) & (knocked < stop)] - start
        damaged[name].view(-1)[torch.from_numpy(mine)] = 0.0
    with torch.no_grad():
        probe = torch.from_numpy(trained.probe_ids)[None]
        p = torch.softmax(torch_logits(damaged, probe)[0].double(), -1)
        q = torch.softmax(torch_logits(intact, probe)[0].double(), -1)
        tvd = 0.5 * (p - q).abs().sum().item()
        x, y = torch.from_numpy(trained.dataset.heldout_x), torch.from_numpy(trained.dataset.heldout_y)
        logits = torch_logits(damaged, x)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(-1) == y).double().mean().item()
        intact_accuracy = (torch_logits(intact, x).argmax(-1) == y).double().mean().item()
    assert d.tvd == pytest.approx(tvd, rel=1e-4, abs=1e-6) and 0 < tvd < 1
    assert d.loss == pytest.approx(loss, rel=1e-5)
    assert d.accuracy == pytest.approx(accuracy, abs=1.5 / len(y))  # one near-tie may fall either way
    if fraction == 0.25:  # enough damage that the accuracy itself tells the damaged model from the intact one
        assert abs(accuracy - intact_accuracy) > 3 / len(y)
