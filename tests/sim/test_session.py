"""The training session, driven in-process command by command, checked against torch."""

import numpy as np
import pytest
import torch

from cube_viz.sim.protocol import KnockOut, Pause, Play, Reset, SetHyperparameters, SetPrompt, Step, Stop
from cube_viz.sim.session import TrainingSession
from tests.conftest import SMALL


def state(session) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in session.trainer.model.state_dict().items()}


def flat(sd: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([v.ravel() for v in sd.values()])


def torch_probs(sd: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """softmax of the MLP's logits for one context, from the state_dict alone (tanh, SMALL's one hidden layer)."""
    t = {k: torch.from_numpy(v) for k, v in sd.items()}
    h = t["embed.weight"][torch.from_numpy(ids.copy())].reshape(-1)
    h = torch.tanh(t["hidden.0.weight"] @ h + t["hidden.0.bias"])
    return torch.softmax(t["out.weight"] @ h + t["out.bias"], dim=0).numpy()


@pytest.fixture
def session():
    published = []
    s = TrainingSession(dict(SMALL), None, published.append, playing=False)
    s.published = published
    return s


def test_a_step_publishes_the_model_before_and_after_it(session):
    before = state(session)
    session.handle(Step())
    p = session.published[-1]
    after = state(session)
    assert p.step == 1 and p.steps_done == 1 and not p.playing
    np.testing.assert_array_equal(p.before.params.flat, flat(before))
    np.testing.assert_array_equal(p.snapshot.params.flat, flat(after))
    np.testing.assert_allclose(p.snapshot.updates.flat, flat(after) - flat(before), atol=1e-7)
    assert not np.array_equal(flat(after), flat(before))
    grads = np.concatenate([q.grad.numpy().ravel() for q in session.trainer.model.parameters()])
    np.testing.assert_array_equal(p.snapshot.grads.flat, grads)


def test_a_prompt_is_answered_with_the_models_softmax(session):
    session.handle(SetPrompt("the cat"))
    probe = session.published[-1].snapshot.probe
    vocab = session.trainer.dataset.vocab.words
    assert [vocab[i] for i in probe.context_ids][-2:] == ["the", "cat"]
    np.testing.assert_allclose(probe.probs, torch_probs(state(session), probe.context_ids), atol=1e-6)
    session.handle(SetPrompt("zebra xylophone"))  # no known word: said, and the old prompt stays
    assert "no word" in session.published[-1].message
    assert session.published[-1].snapshot.probe.prompt == "the cat"


def test_a_knock_out_shows_the_damaged_model_and_leaves_it_intact(session):
    for _ in range(5):
        session.handle(Step())
    intact = state(session)
    session.handle(KnockOut(0.5))
    p = session.published[-1]
    weights = [k for k in intact if k.endswith("weight")]
    n_weights = sum(intact[k].size for k in weights)
    assert p.knocked.shape == (n_weights,) and p.knocked.sum() == round(0.5 * n_weights)
    damaged = {k: v.copy() for k, v in intact.items()}
    offsets = np.cumsum([0] + [intact[k].size for k in weights])
    for k, lo, hi in zip(weights, offsets[:-1], offsets[1:], strict=True):  # knocked: weights in model order
        damaged[k].reshape(-1)[p.knocked[lo:hi]] = 0.0
    np.testing.assert_array_equal(p.snapshot.params.flat, flat(damaged))
    np.testing.assert_allclose(p.snapshot.probe.probs, torch_probs(damaged, p.snapshot.probe.context_ids), atol=1e-6)
    np.testing.assert_array_equal(flat(state(session)), flat(intact))
    session.handle(KnockOut(0.0))
    assert session.published[-1].knocked is None and session.published[-1].message == "all reflectors restored"


def test_reset_starts_from_the_initial_weights_and_step_0(session):
    initial = session.published[0].snapshot.params.flat
    for _ in range(3):
        session.handle(Step())
    session.handle(Reset())
    p = session.published[-1]
    assert p.step == 0 and p.message == "model re-initialised"
    np.testing.assert_array_equal(flat(state(session)), initial)


def test_play_trains_on_schedule_and_pauses_after_the_steps_asked(tmp_path):
    published = []
    s = TrainingSession({**SMALL, "steps": 3}, None, published.append, steps_per_second=10, playing=False)
    s.handle(Play())
    for i in range(30):  # a clock in tenths of a second: one step due every 0.1 s
        s.advance(i * 0.05)
    assert s.steps_done == 3 and not s.playing
    assert published[-1].message.startswith("paused after 3 steps")
    s.handle(Play())
    s.advance(10.0)
    s.handle(Pause())
    assert s.steps_done == 4 and published[-1].step == 4 and not published[-1].playing
    np.testing.assert_array_equal(published[-1].snapshot.params.flat, flat(state(s)))


def test_hyperparameters_reach_the_optimizer_and_stop_writes_the_checkpoint(tmp_path):
    path = tmp_path / "m.pt"
    s = TrainingSession(dict(SMALL), None, lambda p: None, playing=False, save=path)
    s.handle(SetHyperparameters(0.01, 0.002))
    group = s.trainer.optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (0.01, 0.002)
    s.handle(Step())
    assert s.handle(Stop()) == f"checkpoint: {path} (step 1)"
    saved = torch.load(path, weights_only=True)["model_state"]
    np.testing.assert_array_equal(flat({k: v.numpy() for k, v in saved.items()}), flat(state(s)))


def test_scrubbing_what_the_session_published_shows_that_steps_weights():
    """The window's path: the session publishes, the director keeps the history, a scrub shows the past."""
    from cube_viz.anim.director import Director
    from cube_viz.scene.frame import CubeSpec

    published, states = [], []
    s = TrainingSession(dict(SMALL), None, published.append, playing=False)
    d = Director(CubeSpec.build(s.trainer.initial_parameters(), s.trainer.dataset.vocab.words))
    for _ in range(4):
        s.handle(Step())
        d.receive(published[-1], 0.0, playing=False)  # as the window does, at its wall clock
        states.append(flat(state(s)))
    d.scrub(1)  # the second step published
    frame = d.frame_at(100.0)
    lat = d.spec.lattice
    assert frame.step == 2 and frame.banner.startswith("HISTORY")
    np.testing.assert_array_equal(frame.reflectors.weight, states[1][lat.param_index])
    np.testing.assert_array_equal(frame.biases.weight, states[1][lat.bias_param_index])


def test_a_silenced_head_shows_the_transformer_without_it_and_leaves_it_intact():
    """The probe's wall with head (1, 1) knocked out is the independent float64 transformer's with that head's
    columns of o at 0; the dark plates are exactly those columns; the model itself is unchanged."""
    from cube_viz.sim.protocol import SilenceHead
    from tests.conftest import SMALL_TRANSFORMER
    from tests.sim.test_transformer import numpy_state, reference

    published = []
    session = TrainingSession(dict(SMALL_TRANSFORMER), None, published.append, playing=False)
    info = session.info
    assert (info.layers, info.heads) == (SMALL_TRANSFORMER["layers"], SMALL_TRANSFORMER["heads"])
    for _ in range(20):
        session.handle(Step())
    intact = numpy_state(session.trainer.model)
    session.handle(SilenceHead(1, 1))
    p = published[-1]
    damaged = {k: v.copy() for k, v in intact.items()}
    dh = SMALL_TRANSFORMER["d_model"] // SMALL_TRANSFORMER["heads"]
    damaged["blocks.1.attn.o.weight"][:, dh:2 * dh] = 0.0
    ref = reference(damaged, p.snapshot.probe.context_ids, SMALL_TRANSFORMER["layers"], SMALL_TRANSFORMER["heads"])
    np.testing.assert_allclose(p.snapshot.probe.probs, ref["probs"], rtol=1e-4, atol=1e-7)
    assert not np.allclose(p.snapshot.probe.probs, reference(intact, p.snapshot.probe.context_ids, 2, 2)["probs"],
                           atol=1e-4)  # the head mattered to this wall
    np.testing.assert_array_equal(p.snapshot.params.flat, flat({k: v.astype(np.float32) for k, v in damaged.items()}))
    assert p.knocked.sum() == SMALL_TRANSFORMER["d_model"] * dh and "head 2 of attention 2" in p.message
    np.testing.assert_array_equal(flat(state(session)), flat({k: v.astype(np.float32) for k, v in intact.items()}))
    session.handle(SilenceHead(-1, -1))
    assert published[-1].knocked is None and published[-1].message == "every head restored"
