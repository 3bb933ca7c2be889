"""The trainer and its snapshots, checked against torch itself."""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from cube_viz.config import TrainConfig
from cube_viz.errors import Diverged
from cube_viz.sim.model import NextWordMLP, build_model
from cube_viz.sim.snapshot import Snapshot, Tensors
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL, SMALL_TRANSFORMER


def state_vector(model) -> np.ndarray:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()


def test_default_model_size_is_drawable():
    t = Trainer.from_config(TrainConfig())
    n = sum(p.numel() for p in t.model.parameters())
    assert 20_000 <= n <= 32_000
    assert 150 <= len(t.dataset.vocab) <= 300


def test_snapshot_gradients_equal_p_grad_of_the_same_step(small_trainer):
    s = small_trainer.step(capture=True)
    for name, p in small_trainer.model.named_parameters():
        np.testing.assert_array_equal(s.grads[name], p.grad.numpy())


def test_snapshot_probabilities_equal_softmax_of_the_logits(small_trainer):
    s = small_trainer.step(capture=True)
    logits = small_trainer.model(torch.tensor(s.probe.context_ids)[None])[0]
    np.testing.assert_allclose(s.probe.probs, torch.softmax(logits, -1).detach().numpy(), rtol=1e-6, atol=1e-8)
    assert s.probe.probs.shape == (len(small_trainer.dataset.vocab),)
    assert s.probe.target_id is not None  # the default probe comes from the corpus


def test_snapshot_activations_follow_the_layers(small_trainer):
    s = small_trainer.step(capture=True)
    m = small_trainer.model
    x = torch.tensor(s.probe.context_ids)[None]
    with torch.no_grad():
        h = m.embed(x).flatten(1)[0]
        np.testing.assert_allclose(s.probe.pre[0], h.numpy(), rtol=1e-6)
        z = m.hidden[0](h)
        np.testing.assert_allclose(s.probe.pre[1], z.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s.probe.post[1], torch.tanh(z).numpy(), rtol=1e-5, atol=1e-6)
    assert len(s.probe.pre) == len(s.probe.post) == 1 + len(SMALL["hidden"]) + 1


def test_updates_are_after_minus_before_and_params_are_after(small_trainer):
    small_trainer.step()
    before = state_vector(small_trainer.model)
    s = small_trainer.step(capture=True)
    after = state_vector(small_trainer.model)
    np.testing.assert_array_equal(s.params.flat, after)
    np.testing.assert_array_equal(s.updates.flat, after - before)
    assert s.step == 2 and s.loss == small_trainer.history[-1]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_weight_decay_part_of_the_update_is_split_out(optimizer):
    lr, wd = 0.05, 0.1
    t = Trainer.from_config(TrainConfig(**SMALL, optimizer=optimizer, lr=lr, weight_decay=wd))
    before = state_vector(t.model)
    s = t.step(capture=True)
    np.testing.assert_allclose(s.decay.flat, -lr * wd * before, rtol=1e-5, atol=1e-9)
    if optimizer == "sgd":  # the rest is exactly the gradient step
        np.testing.assert_allclose(s.updates.flat - s.decay.flat, -lr * s.grads.flat, rtol=1e-4, atol=1e-6)
    no_decay = Trainer.from_config(TrainConfig(**SMALL, optimizer=optimizer, lr=lr)).step(capture=True)
    assert not no_decay.decay.flat.any()


def test_snapshot_holds_only_read_only_numpy(small_trainer):
    s = small_trainer.step(capture=True)
    arrays = [s.probe.context_ids, *s.probe.pre, *s.probe.post]
    for field in ("params", "grads", "updates", "decay"):
        tensors = getattr(s, field)
        assert isinstance(tensors, Tensors)
        arrays += [tensors.flat, *tensors.values()]
    for a in arrays:
        assert type(a) is np.ndarray and not a.flags.writeable
    assert not any(isinstance(v, torch.Tensor) for v in vars(s).values())
    with pytest.raises((AttributeError, TypeError)):
        s.step = 5
    # views share the flat vector and keep the model's shapes
    assert s.params["embed.weight"].shape == tuple(small_trainer.model.embed.weight.shape)
    assert s.names == tuple(n for n, _ in small_trainer.model.named_parameters())


def test_step_zero_snapshot_has_no_gradient(small_trainer):
    s = small_trainer.snapshot()
    assert isinstance(s, Snapshot) and s.step == 0 and math.isnan(s.loss)
    assert not s.grads.flat.any() and not s.updates.flat.any()


@pytest.mark.parametrize("shape", [SMALL, SMALL_TRANSFORMER], ids=["mlp", "transformer"])
def test_same_seed_is_bit_identical_and_another_seed_differs(shape):
    def train(seed):
        t = Trainer.from_config(TrainConfig(**shape, seed=seed))
        for _ in range(30):
            t.step()
        return state_vector(t.model)

    a, b, c = train(1), train(1), train(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_model_init_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_model(10, 2, 4, (8,), "relu", seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_epochs_are_full_passes_over_the_examples(small_trainer):
    t = small_trainer
    n = len(t.dataset.train_y)
    assert t.batches_per_epoch == math.ceil(n / t.config.batch_size)
    seen = np.concatenate([t.batch(s)[1].numpy() for s in range(t.batches_per_epoch)])
    np.testing.assert_array_equal(np.sort(seen), np.sort(t.dataset.train_y))
    assert t.steps_for(t.config.replace(epochs=2.0)) == 2 * t.batches_per_epoch


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "sigmoid"])
def test_every_activation_trains(activation):
    t = Trainer.from_config(TrainConfig(**SMALL, activation=activation))
    s = t.step(capture=True)
    np.testing.assert_allclose(s.probe.probs.sum(), 1.0, rtol=1e-5)


def test_default_training_learns_well_below_unigram_entropy():
    """A shorter version of the 2,000-step promise (which reaches ~44% below): 600 default steps, >= 35% below."""
    t = Trainer.from_config(TrainConfig())
    for _ in range(600):
        t.step()
    assert t.evaluate().loss <= 0.65 * t.dataset.unigram_entropy


@pytest.mark.parametrize("optimizer, torch_optimizer", [("adam", torch.optim.AdamW), ("sgd", torch.optim.SGD)])
def test_steps_equal_torchs_own_optimizer_with_weight_decay(optimizer, torch_optimizer):
    """`adam` is AdamW (decay decoupled from the gradient), `sgd` plain SGD: torch's optimizers on a separate copy
    of the model, fed the same batches, must land on the same weights step after step (moments included)."""
    lr, wd = 0.05, 0.1
    t = Trainer.from_config(TrainConfig(**SMALL, optimizer=optimizer, lr=lr, weight_decay=wd))
    c = t.config
    reference = NextWordMLP(len(t.dataset.vocab), c.context, c.embed, c.hidden, c.activation)
    reference.load_state_dict(t.model.state_dict())  # own tensors: nothing shared with the trainer's flat buffer
    opt = torch_optimizer(reference.parameters(), lr=lr, weight_decay=wd)
    for _ in range(4):
        x, y = t.batch(t.step_count)
        opt.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        opt.step()
        t.step()
        for name, p in reference.state_dict().items():
            np.testing.assert_allclose(t.model.state_dict()[name].numpy(), p.numpy(), rtol=1e-6, atol=1e-8,
                                       err_msg=f"{name} after step {t.step_count}")


def test_weights_that_turn_non_finite_are_restored_to_the_last_finite_ones():
    t = Trainer.from_config(TrainConfig(**SMALL, optimizer="sgd", lr=1e-3, weight_decay=10.0))
    for _ in range(3):
        t.step()
    kept = {k: v.clone() for k, v in t.model.state_dict().items()}  # the weights of step 3
    for group in t.optimizer.param_groups:  # w - lr * (g + 10 w): past float32's max (3.4e38) for |w| > 0.12
        group["lr"] = 3e38
    with pytest.raises(Diverged) as caught:
        t.step()
    assert caught.value.step == 4
    assert math.isfinite(caught.value.loss)  # the loss of step 4 was finite: only the weights went past float32
    assert "weights past float32" in str(caught.value) and "kept the weights of step 3" in str(caught.value)
    for name, value in t.model.state_dict().items():
        assert torch.equal(value, kept[name]), name
    assert t.step_count == 3 and len(t.history) == 3
    for group in t.optimizer.param_groups:  # the restored weights are still the ones the optimizer trains
        group["lr"] = 1e-3
    t.step()
    assert t.step_count == 4 and not torch.equal(t.model.embed.weight, kept["embed.weight"])
    assert all(torch.isfinite(v).all() for v in t.model.state_dict().values())


@pytest.mark.parametrize("activation, function", [("tanh", torch.tanh), ("relu", F.relu), ("gelu", F.gelu),
                                                  ("sigmoid", torch.sigmoid)])
def test_every_activation_is_torchs_function_of_that_name(activation, function):
    """Both hidden layers of the probe's trace and of the training forward pass, from the state_dict alone."""
    t = Trainer.from_config(TrainConfig(**{**SMALL, "hidden": (16, 12)}, activation=activation))
    s = t.step(capture=True)
    sd = {k: v.detach() for k, v in t.model.state_dict().items()}

    def forward(ids: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        h = sd["embed.weight"][ids].flatten(-2)
        pre, post = [h], [h]
        for i in range(2):
            z = h @ sd[f"hidden.{i}.weight"].T + sd[f"hidden.{i}.bias"]
            h = function(z)
            pre.append(z)
            post.append(h)
        logits = h @ sd["out.weight"].T + sd["out.bias"]
        return pre + [logits], post + [torch.softmax(logits, -1)]

    pre, post = forward(torch.from_numpy(s.probe.context_ids.copy()))
    assert len(s.probe.pre) == len(pre) == 4
    for layer in range(4):
        np.testing.assert_allclose(s.probe.pre[layer], pre[layer].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s.probe.post[layer], post[layer].numpy(), rtol=1e-5, atol=1e-6)
    assert (pre[1] < 0).any() and (pre[2] < 0).any()  # negative inputs: where relu, gelu and the rest part ways
    x = torch.from_numpy(t.dataset.heldout_x[:64])
    with torch.no_grad():
        np.testing.assert_allclose(t.model(x).numpy(), forward(x)[0][-1].numpy(), rtol=1e-5, atol=1e-5)
