"""Time: easing, clips, the step cycle (checked against torch) and storyboards."""

import copy
import itertools

import numpy as np
import pytest
import torch

from cube_viz.anim.cycle import CYCLE, GLOW_SCALE, CyclePlan, StepCycle, cycle_frame, glow_level, wave_arrival
from cube_viz.anim.easing import EASINGS, there_and_back
from cube_viz.anim.phases import TURN
from cube_viz.anim.storyboard import StoryboardError, interpolate_camera, load_storyboard
from cube_viz.anim.timeline import Clip, Timeline
from cube_viz.config import TrainConfig
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL


@pytest.mark.parametrize("name", sorted(set(EASINGS) - {"there_and_back"}))
def test_easings_run_from_0_to_1_monotonically(name):
    u = np.linspace(0, 1, 101)
    f = EASINGS[name](u)
    assert f[0] == 0 and f[-1] == pytest.approx(1) and np.all(np.diff(f) >= -1e-12)
    assert EASINGS[name](-1.0) == 0 and EASINGS[name](2.0) == pytest.approx(1)


def test_there_and_back_peaks_in_the_middle():
    assert there_and_back(0.0) == 0 and there_and_back(0.5) == pytest.approx(1) and there_and_back(1.0) < 1e-12


def test_clip_stagger_starts_first_and_ends_last_on_time():
    c = Clip(start=2.0, duration=3.0, ease="linear", lag=1.0)  # each element runs 1.5 s
    assert c.progress(2.0, 0.0) == 0 and c.progress(3.5, 0.0) == 1
    assert c.progress(3.5, 1.0) == 0 and c.progress(5.0, 1.0) == 1
    assert c.progress(2.75, 0.0) == pytest.approx(0.5)
    assert Timeline({"a": c, "b": Clip(0, 7)}).duration == 7


@pytest.fixture(scope="module")
def step():
    t = Trainer.from_config(TrainConfig(**SMALL, weight_decay=0.05, optimizer="sgd", lr=0.5))
    for _ in range(20):
        t.step()
    before = t.snapshot()
    after = t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    return t, spec, before, after


def test_glow_at_the_wave_is_abs_grad_on_the_fixed_scale(step):
    t, spec, before, after = step
    lat = spec.lattice
    grads = torch.cat([p.grad.reshape(-1) for n, p in t.model.named_parameters() if n.endswith("weight")]).numpy()
    expected = np.abs(grads) / (np.abs(grads) + GLOW_SCALE)
    rows = np.array([s.rows for s in lat.slabs])[lat.layer]
    arrival = wave_arrival(spec, lat.positions, lat.row, rows)
    for i in (0, len(arrival) // 2, len(arrival) - 1):
        frame = cycle_frame(spec, before, after, float(arrival[i]))
        assert frame.motion.reflectors.glow[i] == pytest.approx(expected[i], rel=1e-5)
    np.testing.assert_allclose(glow_level(grads), expected, rtol=1e-6)
    early = cycle_frame(spec, before, after, 0.1)
    assert not early.motion.reflectors.glow.any()  # no glow before the wave leaves the wall


def test_the_wave_reaches_slabs_back_to_front(step):
    _, spec, before, after = step
    lat = spec.lattice
    rows = np.array([s.rows for s in lat.slabs])[lat.layer]
    arrival = wave_arrival(spec, lat.positions, lat.row, rows)
    first = [arrival[lat.layer == li].min() for li in range(len(lat.slabs))]
    last = [arrival[lat.layer == li].max() for li in range(len(lat.slabs))]
    assert all(first[i] > last[i + 1] for i in range(len(first) - 1))  # out, then hidden, ..., embedding
    ys = [cycle_frame(spec, before, after, u).motion.wave_y for u in np.linspace(0.36, 0.74, 5)]
    assert all(a > b for a, b in itertools.pairwise(ys))


def test_the_turn_ends_exactly_at_the_new_weights(step):
    t, spec, before, after = step
    lat = spec.lattice
    new = torch.cat([p.detach().reshape(-1) for n, p in t.model.named_parameters() if n.endswith("weight")]).numpy()
    for k in (1.0, 4.0):
        end = cycle_frame(spec, before, after, 1.0, exaggeration=k)
        np.testing.assert_array_equal(end.reflectors.weight, new)
        np.testing.assert_array_equal(end.reflectors.theta,
                                      orient.tilt(new, spec.scales[lat.param_index]).astype(np.float32))
    start = cycle_frame(spec, before, after, 0.0)
    np.testing.assert_allclose(start.reflectors.weight, before.params.flat[lat.param_index], atol=1e-6)


def test_the_stabilizing_field_stays_in_view_long_enough_to_be_seen(step):
    """At its full strength for a tenth of the cycle or more (0.4 s of the window's 4 s cycle): as a pulse that
    peaked for 0.04 of it, a lecture's caption named a cyan field nobody saw."""
    _t, spec, before, after = step
    strength = np.array([cycle_frame(spec, before, after, u).motion.reflectors.field.max()
                         for u in np.linspace(0, 1, 401)])
    assert (strength >= 0.95 * strength.max()).mean() >= 0.1


def test_the_stabilizing_field_is_the_weight_decay_pull(step):
    _t, spec, before, after = step
    mid = CYCLE["decay"].start + CYCLE["decay"].duration / 2
    assert cycle_frame(spec, before, after, mid).motion.reflectors.field.max() > 0.5
    t2 = Trainer.from_config(TrainConfig(**SMALL))
    b2, a2 = t2.snapshot(), t2.step(capture=True)
    spec2 = CubeSpec.build(t2.initial_parameters(), t2.dataset.vocab.words)
    assert not cycle_frame(spec2, b2, a2, mid).motion.reflectors.field.any()


def write(tmp_path, text):
    path = tmp_path / "board.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, where",
    [
        ('[[shot]]\nduration = 2\n[[shot]]\nduration = -1\n', "shot 2: field 'duration'"),
        ('[[shot]]\nduration = 2\ntraining = "fast"\n', "shot 1: field 'training'"),
        ('[[shot]]\nduration = 2\ncamera = ["iso", "fisheye"]\n', "shot 1: field 'camera'"),
        ('[[shot]]\nduration = 2\ncamera = "slab:nope"\n', "shot 1: field 'camera': no slab 'nope'"),
        ('[[shot]]\nduration = 2\ncamera = {slab = "nope", zoom = 2}\n', "no slab 'nope'"),
        ('[[shot]]\nduration = 2\nhighlight = "layer:nope"\n', "shot 1: field 'highlight'"),
        ('[[shot]]\nduration = 2\ncolour = "red"\n', "shot 1: unknown field 'colour'"),
        ('[[shot]]\ncaption = "hi"\n', "shot 1: field 'duration' is missing"),
        ('title = "x"\n', "no shots"),
        ('[[shot]\n', "not valid TOML"),
    ],
)
def test_storyboard_errors_name_the_file_shot_and_field(tmp_path, text, where):
    path = write(tmp_path, text)
    with pytest.raises(StoryboardError) as e:
        load_storyboard(path, ("embed", "hidden.0", "out"))
    assert str(path) in str(e.value) and where in str(e.value)


def test_shipped_lecture_is_valid_and_about_two_minutes():
    from pathlib import Path

    shots = load_storyboard(Path(__file__).parents[2] / "assets/storyboards/lecture.toml",
                            ("embed", "hidden.0", "hidden.1", "out"))
    assert 100 <= sum(s.duration for s in shots) <= 150
    assert {s.training for s in shots} == {"pause", "lecture", "training"}


def test_a_storyboard_camera_may_be_a_slab_close_up(tmp_path):
    from cube_viz.scene.camera import CLOSE_UP, CameraKey

    text = '[[shot]]\nduration = 2\ncamera = ["iso", "slab:hidden.0", {slab = "out", zoom = 2, azimuth = 10}]\n'
    keys = load_storyboard(write(tmp_path, text), ("embed", "hidden.0", "out"))[0].cameras
    assert keys[1:] == (CameraKey(*CLOSE_UP, slab="hidden.0"), CameraKey(10, CLOSE_UP[1], 2, "out"))


def test_camera_keyframes_are_eased_between():
    from cube_viz.scene.camera import CameraKey, resolve
    from cube_viz.scene.lattice import build_lattice

    lattice = build_lattice((("embed.weight", (40, 4)), ("hidden.0.weight", (8, 12)), ("out.weight", (40, 8))))
    keys = (CameraKey(0, 0, 1), CameraKey(90, 30, 2, slab="hidden.0"))
    ends = [resolve(lattice, k, 16 / 9) for k in keys]
    for progress, end in ((0, ends[0]), (1, ends[1])):
        view = interpolate_camera(keys, progress, lattice, 16 / 9)
        assert view.half_height == pytest.approx(end.half_height) and np.allclose(view.focus, end.focus)
    mid = interpolate_camera(keys, 0.5, lattice, 16 / 9)
    assert mid.azimuth == pytest.approx(45) and interpolate_camera(keys, 0.1, lattice, 16 / 9).azimuth < 9  # eased in
    assert mid.half_height == pytest.approx(np.sqrt(ends[0].half_height * ends[1].half_height))  # zoom feels even


def adamw_decay(t: Trainer, grads: np.ndarray, state: dict, weight_decay: float) -> np.ndarray:
    """(P,) the weight-decay part of one torch AdamW step, as torch computes it: the step with `weight_decay`
    minus the step without it, from the same weights (t's, before), optimizer state and gradient."""
    ends = []
    for wd in (weight_decay, 0.0):
        model = copy.deepcopy(t.model)
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(torch.from_numpy(state["params"].copy()), model.parameters())
        opt = torch.optim.AdamW(model.parameters(), lr=t.config.lr, weight_decay=wd)
        opt.load_state_dict(copy.deepcopy(state["optimizer"]))
        opt.param_groups[0]["weight_decay"] = wd
        g = torch.from_numpy(grads.copy())
        for p, gp in zip(model.parameters(), torch.split(g, [p.numel() for p in model.parameters()]), strict=True):
            p.grad = gp.view_as(p).clone()
        opt.step()
        ends.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy())
    return ends[0] - ends[1]


@pytest.mark.parametrize("weight_decay", [0.1, 0.0])
def test_the_field_on_a_bias_is_torch_adamws_decay_of_it(weight_decay):
    t = Trainer.from_config(TrainConfig(**SMALL, weight_decay=weight_decay, lr=0.01))  # adam: torch's AdamW
    for _ in range(3):
        t.step()
    with torch.no_grad():
        for name, p in t.model.named_parameters():
            if name.endswith("bias"):
                p[::3] = 0.0  # no pull on a bias at 0: the field must be off exactly there
    before = t.snapshot()
    state = {"params": before.params.flat.copy(), "optimizer": copy.deepcopy(t.optimizer.state_dict())}
    after = t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    lat = spec.lattice
    decay = adamw_decay(t, after.grads.flat, state, weight_decay)[lat.bias_param_index]  # (M,)
    mid = CYCLE["decay"].start + CYCLE["decay"].duration / 2
    field = cycle_frame(spec, before, after, mid).motion.biases.field  # (M,)
    assert field.shape == decay.shape == lat.bias_param_index.shape
    np.testing.assert_array_equal(field > 0, decay != 0)
    if weight_decay == 0:
        assert not field.any()
        return
    assert (decay == 0).any() and (decay != 0).sum() > 10
    order = np.argsort(np.abs(decay))
    assert np.all(np.diff(field[order]) >= -1e-4)  # grows with |decay| (up to torch's float32 rounding)
    big, small = np.argmax(np.abs(decay)), np.argmin(np.where(decay != 0, np.abs(decay), np.inf))
    assert field[big] > field[small]
    end = cycle_frame(spec, before, after, 1.0)  # and the bias plates end on torch's new biases
    new = torch.nn.utils.parameters_to_vector(t.model.parameters()).detach().numpy()[lat.bias_param_index]
    np.testing.assert_array_equal(end.biases.weight, new)


def test_every_entry_of_the_cycle_table_drives_its_phase(step):
    _, spec, _, _ = step
    plan = CyclePlan.of(spec)
    phases = {"forward": plan.forward, "wall": plan.wall, "backward": plan.wave, "update": plan.turn,
              "decay": plan.field, "settle": plan.settle}
    assert {name: p.clip for name, p in phases.items()} == CYCLE  # every entry read, by the phase of its name
    turn = CYCLE["update"]
    t = Trainer.from_config(TrainConfig())  # the default model's four slabs too (its last turn ends at 0.84)
    default = CyclePlan.of(CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words))
    for arrival in plan.arrival + default.arrival:  # each plate turns for TURN from the wave's arrival: inside
        assert turn.start <= arrival.min() and arrival.max() + TURN <= turn.end + 1e-6  # the update clip
    assert plan.turn.own == pytest.approx(TURN)
    wall = CYCLE["wall"]
    assert [StepCycle(spec, *step[2:]).frame(u).motion.wall for u in (wall.start, wall.end)] == [0, 1]


def test_a_step_cycle_builds_its_frames_once_not_per_frame(step, monkeypatch):
    _, spec, before, after = step
    import cube_viz.anim.cycle as cycle

    calls = []
    monkeypatch.setattr(cycle, "build_frame", lambda *a: calls.append(a) or build_frame(*a))
    played = StepCycle(spec, before, after, 3.0)
    assert len(calls) == 2  # the model before the step and after it
    frames = [played.frame(u) for u in (0.0, 0.3, 0.6, 0.9, 1.0)]
    assert len(calls) == 2
    monkeypatch.undo()
    for u, frame in zip((0.0, 0.3, 0.6, 0.9, 1.0), frames, strict=True):  # the same as a one-off frame
        one_off = cycle_frame(spec, before, after, u, 3.0)
        np.testing.assert_array_equal(frame.reflectors.theta, one_off.reflectors.theta)
        np.testing.assert_array_equal(frame.biases.theta, one_off.biases.theta)
        np.testing.assert_array_equal(frame.motion.biases.glint, one_off.motion.biases.glint)


def test_shipped_attention_lecture_is_valid_for_the_transformer_and_traces_the_verb_prompt():
    from pathlib import Path

    from cube_viz.scene.lattice import build_lattice
    from cube_viz.sim.transformer import build_transformer

    model = build_transformer(256, 8, 32, 2, 2, seed=0)  # the default transformer's shape
    lat = build_lattice(tuple((n, tuple(p.shape)) for n, p in model.named_parameters()))
    shots = load_storyboard(Path(__file__).parents[2] / "assets/storyboards/attention.toml",
                            {s.name: (s.rows, s.cols) for s in lat.slabs})
    assert shots[0].prompt == "the boy reads the long" and 60 <= sum(s.duration for s in shots) <= 120
    with pytest.raises(StoryboardError, match=r"blocks\.0\.attn\.q"):  # its highlights are the transformer's slabs
        load_storyboard(Path(__file__).parents[2] / "assets/storyboards/attention.toml",
                        ("embed", "hidden.0", "out"))
