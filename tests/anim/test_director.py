"""The director: the window's driver (snapshots as published, wall-clock t) and the recorder's (frames_of,
t = i / fps) ask the same object, and get the same frames."""

import dataclasses

import numpy as np
import pytest

from cube_viz.anim.cycle import CYCLE, CYCLE_SECONDS
from cube_viz.anim.director import BANNER_SECONDS, Director
from cube_viz.anim.storyboard import Shot
from cube_viz.app.record import RecordRequest, Source, frames_of
from cube_viz.config import TrainConfig
from cube_viz.scene.frame import CubeSpec
from cube_viz.sim.protocol import Published
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL


def assert_same(a, b, where="frame"):
    """Two frames equal field by field, array by array (nested dataclasses too)."""
    assert type(a) is type(b), where
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


def trainer() -> Trainer:
    return Trainer.from_config(TrainConfig(**SMALL))


def published(snapshot, before=None, playing=False, history=()) -> Published:
    return Published(snapshot, before, np.asarray(history, np.float32), snapshot.step, snapshot.step, playing)


def spec_of(t: Trainer) -> CubeSpec:
    return CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)


@pytest.mark.parametrize("tempo", ["lecture", "training"])
def test_the_window_and_the_recorder_draw_the_same_frame(tempo):
    fps, k = 10.0, 27  # movie frame 27: 2.8 s into the shot, u = 0.7 of a 4 s step cycle
    movie = trainer()
    request = RecordRequest(out=None, size=(16, 16), fps=fps,
                            shots=[Shot(duration=4.0, training=tempo, steps_per_second=fps, cycle_seconds=4.0)])
    recorded = [frame for frame, _ in frames_of(request, Director(spec_of(movie)), Source(trainer=movie))][k]

    live = trainer()  # the same seed: bit-identical training
    window = Director(spec_of(live))
    window.receive(published(live.snapshot()), 0.0, playing=False)
    if tempo == "lecture":  # the window's N: one step, published with the model before it, its cycle begun
        before = live.snapshot()  # one frame before the movie's first (so that its last frame shows u = 1)
        window.receive(published(live.step(capture=True), before, history=live.history), -1 / fps, playing=False)
        shown = window.frame_at(k / fps)
    else:  # playing: the newest snapshot, as training goes on (k + 1 steps by movie frame k at fps steps/s)
        for _ in range(k):
            live.step()
        window.receive(published(live.step(capture=True), history=live.history), k / fps, playing=True)
        shown = window.frame_at(k / fps)
    assert recorded.step == shown.step == (1 if tempo == "lecture" else k + 1)
    assert recorded.motion is not None and (tempo == "training" or recorded.motion.wave_y is not None)
    assert tempo == "training" or CYCLE["backward"].start <= 0.7 <= CYCLE["backward"].end  # the wave is on its way
    assert_same(recorded, shown)


def test_a_step_cycle_plays_for_its_length_then_shows_the_new_model():
    t = trainer()
    director = Director(spec_of(t))
    before = t.snapshot()
    after = t.step(capture=True)
    director.receive(published(after, before), 0.0, playing=False)
    assert director.mode == "cycle"
    np.testing.assert_allclose(director.frame_at(0.0).reflectors.weight,  # after - its update, in float32
                               before.params.flat[director.spec.lattice.param_index], atol=1e-6)
    assert director.moving
    end = director.frame_at(CYCLE_SECONDS)
    assert director.mode == "paused" and not director.moving  # the cycle ran its course: nothing to redraw
    np.testing.assert_array_equal(end.reflectors.weight, after.params.flat[director.spec.lattice.param_index])


def test_each_new_epoch_is_announced_for_a_moment():
    t = trainer()
    director = Director(spec_of(t))
    director.receive(published(t.snapshot()), 0.0, playing=True)
    while t.epoch == 0:
        t.step()
    director.receive(published(t.snapshot()), 5.0, playing=True)
    assert director.frame_at(5.0).banner == "epoch 2 begins" and director.moving  # frames change with t
    assert director.frame_at(5.0 + BANNER_SECONDS).banner is None and not director.moving


def test_scrubbing_shows_the_past_said_so_and_the_chart_marks_it():
    t = trainer()
    director = Director(spec_of(t), history=4)
    snaps = []
    for i in range(6):
        snaps.append(t.step(capture=True))
        director.receive(published(snaps[-1], history=t.history), float(i), playing=True)
    assert [s.step for s in director.history] == [3, 4, 5, 6]
    director.scrub(1)
    frame = director.frame_at(10.0)
    assert director.mode == "history" and frame.step == 4 and frame.banner.startswith("HISTORY: step 4")
    assert frame.chart_step == 4 and list(frame.losses.steps) == [1, 2, 3, 4, 5, 6]
    assert [s.step for s in director.recent(2)] == [3, 4]
    director.receive(published(t.step(capture=True), history=t.history), 11.0, playing=True)
    assert director.shown.step == 4  # the oldest dropped out: the view stays on the step shown
    director.go_live()
    assert director.frame_at(12.0).step == 7 and director.frame_at(12.0).chart_step is None


def test_hidden_waves_take_the_motion_out_and_a_selection_marks_its_plate():
    t = trainer()
    director = Director(spec_of(t))
    director.receive(published(t.step(capture=True)), 0.0, playing=True)
    assert director.frame_at(0.0).motion is not None
    director.set_hidden("waves", True)
    assert director.frame_at(0.0).motion is None
    director.selection = ("bias", 3)
    np.testing.assert_array_equal(director.marked(), director.spec.lattice.bias_positions[3])
    director.selection = ("word", 3)
    assert director.marked() is None


def test_a_step_cycle_is_prepared_once_when_the_step_arrives(monkeypatch):
    import cube_viz.anim.cycle as cycle

    t = trainer()
    director = Director(spec_of(t))
    before = t.snapshot()
    after = t.step(capture=True)
    built = []
    real = cycle.build_frame
    monkeypatch.setattr(cycle, "build_frame", lambda *a: built.append(a) or real(*a))
    director.receive(published(after, before), 0.0, playing=False)
    assert len(built) == 2  # the models before and after the step, once
    director.direct(exaggeration=3.0)  # a storyboard shot that begins mid-cycle exaggerates the rest of it
    frames = [director.frame_at(s) for s in np.linspace(0, CYCLE_SECONDS * 0.9, 10)]
    assert len(built) == 2 and frames[-1].motion.exaggeration == 3.0
