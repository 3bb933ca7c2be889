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
