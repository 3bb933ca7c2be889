"""Checkpoints, resume, divergence and the Python API, through the real command line."""

import numpy as np
import pytest
import torch

import cube_viz
from cube_viz.sim.checkpoint import KEYS

FAST = ["--context", "3", "--embed", "8", "--hidden", "16", "--batch-size", "32"]
FAST_TRANSFORMER = ["--model", "transformer", "--context", "5", "--d-model", "16", "--batch-size", "32"]


def weights(path):
    return torch.load(path, weights_only=True)["model_state"]


def test_checkpoint_has_the_documented_keys(tmp_path, run_cli):
    path = tmp_path / "m.pt"
    code, _out, err = run_cli("train", *FAST, "--steps", "20", "--save", path)
    assert code == 0, err
    state = torch.load(path, weights_only=True)
    assert set(KEYS) <= set(state)
    assert state["step"] == 20 and len(state["history"]) == 20
    assert state["vocab"][:2] == ["<unk>", "<s>"]
    assert state["config"]["hidden"] == [16] and state["config"]["context"] == 3
    assert set(state["model_state"]) == {"embed.weight", "hidden.0.weight", "hidden.0.bias", "out.weight", "out.bias"}
    assert "state" in state["optimizer_state"]


@pytest.mark.parametrize("fast", [FAST, FAST_TRANSFORMER], ids=["mlp", "transformer"])
def test_resume_equals_a_straight_run_bit_for_bit(tmp_path, run_cli, fast):
    straight, half, resumed = tmp_path / "straight.pt", tmp_path / "half.pt", tmp_path / "resumed.pt"
    assert run_cli("train", *fast, "--steps", "100", "--save", straight.with_name("x.pt"))[0] == 0
    assert run_cli("train", *fast, "--steps", "200", "--save", straight)[0] == 0
    assert run_cli("train", *fast, "--steps", "100", "--save", half)[0] == 0
    code, _out, err = run_cli("train", "--resume", half, "--steps", "100", "--save", resumed)
    assert code == 0, err
    a, b = weights(straight), weights(resumed)
    for name in a:
        assert torch.equal(a[name], b[name]), name
    sa, sb = torch.load(straight, weights_only=True), torch.load(resumed, weights_only=True)
    assert sa["history"] == sb["history"] and sb["step"] == 200 and sa["epoch"] == sb["epoch"]


def test_resume_refuses_a_different_model_shape(tmp_path, run_cli):
    path = tmp_path / "m.pt"
    run_cli("train", *FAST, "--steps", "5", "--save", path)
    code, _, err = run_cli("train", "--resume", path, "--hidden", "32")
    assert code == 2 and "--hidden" in err
    code, _, err = run_cli("train", "--resume", path, "--model", "transformer")
    assert code == 2 and "--model differs" in err


@pytest.mark.parametrize("kind", ["truncated", "garbage", "foreign", "pickle", "missing", "directory"])
def test_bad_resume_files_are_one_line_errors(tmp_path, run_cli, kind):
    good = tmp_path / "good.pt"
    run_cli("train", *FAST, "--steps", "5", "--save", good)
    bad = tmp_path / "bad.pt"
    if kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "garbage":
        bad.write_bytes(b"this is not a checkpoint at all" * 10)
    elif kind == "foreign":
        torch.save({"weights": torch.zeros(3)}, bad)
    elif kind == "pickle":  # arbitrary objects must never be unpickled
        torch.save({"config": object()}, bad)
    elif kind == "directory":
        bad.mkdir()
    code, _out, err = run_cli("train", "--resume", bad, "--steps", "1")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(bad) in err


def test_divergence_stops_with_a_message_and_keeps_finite_weights(tmp_path, run_cli):
    path = tmp_path / "m.pt"
    code, _out, err = run_cli("train", *FAST, "--lr", "1e6", "--steps", "200", "--save", path)
    assert code == 3
    line = [ln for ln in err.splitlines() if "diverged" in ln]
    assert len(line) == 1 and "step" in line[0] and "Traceback" not in err
    state = torch.load(path, weights_only=True)
    assert 0 < state["step"] < 200 and len(state["history"]) == state["step"]
    assert all(torch.isfinite(t).all() for t in state["model_state"].values())


def test_load_checkpoint_predicts_like_the_model(tmp_path, run_cli):
    path = tmp_path / "m.pt"
    run_cli("train", *FAST, "--steps", "30", "--save", path)
    m = cube_viz.load_checkpoint(path)
    assert not m.model.training and m.vocab[:2] == ["<unk>", "<s>"] and m.config.hidden == (16,)
    p = m.predict("the cat")
    assert p.shape == (len(m.vocab),) and p.dtype == np.float32
    s = m.vocab.index("<s>")
    ids = torch.tensor([[s, m.vocab.index("the"), m.vocab.index("cat")]])
    expected = torch.softmax(m.model(ids)[0], -1).detach().numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    assert not np.allclose(p, m.predict("some dogs"))


def trained_from_toml(tmp_path, run_cli, toml: str, *flags: str) -> dict:
    """The checkpoint `train --config run.toml FLAGS --save` writes, as torch loads it."""
    cfg, path = tmp_path / "run.toml", tmp_path / "m.pt"
    cfg.write_text(toml)
    code, _out, err = run_cli("train", "--config", cfg, *flags, "--save", path)
    assert code == 0, err
    return torch.load(path, weights_only=True)


def test_training_flags_and_toml_share_names(tmp_path, run_cli):
    saved = trained_from_toml(tmp_path, run_cli, 'context = 3\nembed = 8\nhidden = [16]\nactivation = "relu"\n'
                              'lr = 0.01\nsteps = 7\n', "--activation", "gelu")
    assert saved["step"] == 7 and saved["config"]["activation"] == "gelu" and saved["config"]["lr"] == 0.01


def test_transformer_flags_and_toml_share_names(tmp_path, run_cli):
    saved = trained_from_toml(tmp_path, run_cli, 'model = "transformer"\nlayers = 1\nheads = 4\nd_model = 8\n'
                              'context = 6\nsteps = 3\n', "--heads", "2")
    c = saved["config"]
    assert (c["model"], c["layers"], c["heads"], c["d_model"], c["context"]) == ("transformer", 1, 2, 8, 6)
    sd = saved["model_state"]
    assert sd["pos.weight"].shape == (6, 8) and sd["blocks.0.attn.q.weight"].shape == (8, 8)
    assert "blocks.1.ln1.weight" not in sd and saved["step"] == 3
    path = tmp_path / "m.pt"
    code, _out, err = run_cli("train", "--model", "transformer", "--steps", "1", "--save", path)
    assert code == 0, err
    assert torch.load(path, weights_only=True)["config"]["context"] == 8  # the transformer's own default


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "bert"], "--model"),
        (["--model", "transformer", "--heads", "3"], "multiple of heads"),
        (["--model", "transformer", "--hidden", "32"], "--hidden is a setting of the MLP"),
        (["--layers", "3"], "--layers is a setting of the transformer: add --model transformer"),
        (["--lr", "-1"], "lr"),
        (["--hidden", "64,x"], "--hidden"),
        (["--activation", "softplus"], "--activation"),
        (["--batch-size", "0"], "batch_size"),
        (["--config", "missing.toml"], "not found"),
        (["--save", "/no/such/folder/m.pt"], "does not exist"),
    ],
)
def test_bad_flags_are_one_line_errors(run_cli, args, message):
    code, _out, err = run_cli("train", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_bad_toml_keys_are_named(tmp_path, run_cli):
    cfg = tmp_path / "run.toml"
    cfg.write_text("learning_rate = 0.1\n")
    code, _, err = run_cli("train", "--config", cfg)
    assert code == 2 and "learning_rate" in err


@pytest.fixture
def adam_checkpoint(tmp_path, run_cli):
    path = tmp_path / "adam.pt"
    code, _out, err = run_cli("train", *FAST, "--lr", "0.002", "--weight-decay", "0.01", "--steps", "5",
                              "--save", path)
    assert code == 0, err
    return path


@pytest.mark.parametrize("flag, key, value", [("--lr", "lr", 0.0123), ("--weight-decay", "weight_decay", 0.0456)])
def test_resume_trains_with_a_changed_hyperparameter(tmp_path, run_cli, adam_checkpoint, flag, key, value):
    resumed = tmp_path / "resumed.pt"
    code, _out, err = run_cli("train", "--resume", adam_checkpoint, flag, value, "--steps", "2", "--save", resumed)
    assert code == 0, err
    state = torch.load(resumed, weights_only=True)
    groups = state["optimizer_state"]["param_groups"]  # what the optimizer stepped with
    assert [g[key] for g in groups] == [value] * len(groups) and state["config"][key] == value
    other = {"lr": ("weight_decay", 0.01), "weight_decay": ("lr", 0.002)}[key]  # the one not given stays
    assert [g[other[0]] for g in groups] == [other[1]] * len(groups)
    assert state["step"] == 7


def test_resume_trains_with_a_changed_batch_size(adam_checkpoint):
    from cube_viz.sim.checkpoint import resume_trainer

    trainer = resume_trainer(adam_checkpoint, {"batch_size": 16})
    seen = []
    trainer.model.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    trainer.step()
    assert seen == [16] and trainer.config.batch_size == 16
    assert trainer.batches_per_epoch == -(-len(trainer.dataset.train_y) // 16)


@pytest.mark.parametrize("saved, switched, cls", [("adam", "sgd", torch.optim.SGD), ("sgd", "adam", torch.optim.AdamW)])
def test_resume_switches_the_optimizer_and_starts_it_fresh(tmp_path, run_cli, saved, switched, cls):
    """The saved state belongs to the other optimizer (Adam's moments mean nothing to SGD): it is dropped."""
    from cube_viz.sim.checkpoint import resume_trainer

    first = tmp_path / "first.pt"
    assert run_cli("train", *FAST, "--optimizer", saved, "--steps", "5", "--save", first)[0] == 0
    before = torch.load(first, weights_only=True)["model_state"]
    trainer = resume_trainer(first, {"optimizer": switched, "lr": 0.01})
    assert type(trainer.optimizer) is cls and trainer.config.optimizer == switched
    assert not trainer.optimizer.state  # fresh: no moments, no step count from the other optimizer
    reference = {n: p.clone().requires_grad_() for n, p in before.items()}  # torch's optimizer, a fresh one
    opt = cls(reference.values(), lr=0.01, weight_decay=0.0)
    x, y = trainer.batch(trainer.step_count)
    loss = torch.nn.functional.cross_entropy(torch.func.functional_call(trainer.model, reference, (x,)), y)
    loss.backward()
    opt.step()
    trainer.step()
    for name, p in trainer.model.state_dict().items():
        torch.testing.assert_close(p, reference[name].detach(), rtol=1e-6, atol=1e-8, msg=name)
    resumed = tmp_path / "resumed.pt"
    code, _out, err = run_cli("train", "--resume", first, "--optimizer", switched, "--steps", "2", "--save", resumed)
    assert code == 0, err
    assert torch.load(resumed, weights_only=True)["config"]["optimizer"] == switched
