"""`cube-viz record`: movies of the requested size and length, deterministic, and safe to interrupt."""

import imageio.v2 as imageio
import numpy as np
import pytest

from tests.app.conftest import FAST
from tests.render.imagecheck import assert_not_blank

SMALL_MOVIE = ["--size", "160x96", "--fps", "10", *FAST]


def frames(path):
    with imageio.get_reader(path) as reader:
        return [np.asarray(f)[..., :3] for f in reader]


@pytest.mark.parametrize("ext", ["mp4", "gif"])
def test_movie_has_the_requested_size_and_frame_count(tmp_path, run_cli, ext):
    out = tmp_path / f"m.{ext}"
    code, _stdout, err = run_cli("record", out, "--duration", "1.5", "--tempo", "lecture", "--cycle-seconds", "0.5",
                                *SMALL_MOVIE)
    assert code == 0, err
    got = frames(out)
    assert len(got) == 15 and got[0].shape == (96, 160, 3)
    assert_not_blank(got[5])  # the cube, not only the background's gradient
    assert not np.array_equal(got[1], got[4])  # and it moves


def test_two_runs_decode_to_the_same_frames(tmp_path, run_cli):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    for out in (a, b):
        assert run_cli("record", out, "--duration", "1", "--camera", "orbit", *SMALL_MOVIE)[0] == 0
    fa, fb = frames(a), frames(b)
    assert len(fa) == len(fb) == 10
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))


def test_storyboard_and_run_recording(tmp_path, run_cli):
    run = tmp_path / "run.npz"
    assert run_cli("train", *FAST, "--steps", "30", "--record", run, "--record-every", "5")[0] == 0
    board = tmp_path / "b.toml"
    board.write_text('[[shot]]\nduration = 0.5\ncaption = "hello"\nhighlight = "wall"\n'
                     '[[shot]]\nduration = 0.5\ntraining = "training"\nsteps_per_second = 20\n'
                     'camera = ["iso", "top"]\n')
    out = tmp_path / "m.mp4"
    code, _, err = run_cli("record", out, "--from-run", run, "--storyboard", board, "--size", "160x96", "--fps", "10")
    assert code == 0, err
    assert len(frames(out)) == 10


@pytest.mark.parametrize(
    "args, message",
    [
        (["m.avi"], "unsupported"),
        (["m.mp4", "--size", "161x96"], "even"),
        (["m.mp4", "--tempo", "fast"], "--tempo"),
        (["m.mp4", "--camera", "spin"], "--camera"),
        (["m.mp4", "--storyboard", "missing.toml"], "storyboard not found"),
        (["m.mp4", "--from-run", "missing.npz"], "not found"),
        (["/no/such/dir/m.mp4"], "does not exist"),
    ],
)
def test_bad_record_input_is_one_line_before_any_work(tmp_path, run_cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("record", *args, *FAST)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "corpus:" not in out  # nothing was trained


def test_storyboard_error_points_at_the_shot(tmp_path, run_cli):
    board = tmp_path / "b.toml"
    board.write_text('[[shot]]\nduration = 1\n[[shot]]\nduration = 1\nhighlight = "layer:hidden.7"\n')
    code, _, err = run_cli("record", tmp_path / "m.mp4", "--storyboard", board, *FAST)
    assert code == 2 and "shot 2" in err and "highlight" in err and str(board) in err


def test_ctrl_c_leaves_a_playable_movie(tmp_path, run_cli, monkeypatch):
    """Ctrl-C arrives as KeyboardInterrupt in the render loop (the recorder installs Python's handler itself);
    here it is raised after the 7th frame, deterministically."""
    from cube_viz.render import movie

    add = movie.MovieWriter.add

    def add_then_interrupt(self, frame):
        add(self, frame)
        if self.frames == 7:
            raise KeyboardInterrupt

    monkeypatch.setattr(movie.MovieWriter, "add", add_then_interrupt)
    out = tmp_path / "m.mp4"
    code, _, err = run_cli("record", out, "--duration", "60", *SMALL_MOVIE)
    assert code == 130
    assert "interrupted" in err and "7 frames" in err and "Traceback" not in err
    got = frames(out)
    assert len(got) == 7 and got[0].shape == (96, 160, 3)


def test_a_run_recording_replays_at_the_tempo_asked(tmp_path, small_trainer):
    """A record every 8 steps, shown at 2 steps a frame: the shown step follows the steps asked so far
    (never ahead of them, never a record behind) and the last record arrives with the last frame."""
    from cube_viz.anim.director import Director
    from cube_viz.anim.storyboard import Shot
    from cube_viz.app.record import RecordRequest, Source, frames_of
    from cube_viz.scene.frame import CubeSpec
    from cube_viz.sim.recording import RunRecorder, RunRecording

    every, total, fps, per_second = 8, 48, 10.0, 20.0
    path = tmp_path / "run.npz"
    with RunRecorder(path, small_trainer.dataset.vocab.words, small_trainer.config.to_dict(), every) as rec:
        rec.add(small_trainer.snapshot())
        for step in range(1, total + 1):
            snap = small_trainer.step(capture=rec.wants(step))
            if snap is not None:
                rec.add(snap)
    run = RunRecording(path)
    assert run.steps == list(range(0, total + 1, every))
    shot = Shot(duration=total / per_second, training="training", steps_per_second=per_second)
    request = RecordRequest(tmp_path / "m.mp4", (160, 96), fps, [shot])
    spec = CubeSpec.build(run[0].params, run.vocab)
    shown = [frame.step for frame, _ in frames_of(request, Director(spec), Source(run=run))]
    assert len(shown) == total / per_second * fps
    asked = [round((i + 1) * per_second / fps) for i in range(len(shown))]
    off = [(i, s, a) for i, (s, a) in enumerate(zip(shown, asked, strict=True)) if not a - every < s <= a]
    assert not off, f"(frame, shown step, steps asked) off the tempo: {off}"
    assert shown[-1] == total and shown[-2] < total, f"last record reached at frame {shown.index(total)}"


@pytest.mark.parametrize("layer, which", [("out", "row"), ("hidden.0", "column")])
def test_a_highlight_outside_its_layer_is_one_line_before_training(tmp_path, run_cli, monkeypatch, layer, which):
    """Row 9999 of the output layer (an IndexError mid-render before), and the column just past the last of
    hidden.0 (before: silently the first plate of the next row)."""
    from cube_viz.config import TrainConfig
    from cube_viz.sim.trainer import Trainer

    model = Trainer.from_config(TrainConfig(context=3, embed=8, hidden=(16,), batch_size=32)).model
    rows, cols = dict(model.named_parameters())[f"{layer}.weight"].shape  # the torch oracle
    highlight = f"reflector:{layer}:9999:0" if which == "row" else f"reflector:{layer}:0:{cols}"
    what, span = ("row 9999", f"rows 0..{rows - 1}") if which == "row" else (f"column {cols}", f"columns 0..{cols - 1}")
    steps = []
    monkeypatch.setattr(Trainer, "step", lambda self, capture=False: steps.append(1))
    board = tmp_path / "b.toml"
    board.write_text(f'[[shot]]\nduration = 1\n[[shot]]\nduration = 1\nhighlight = "{highlight}"\n')
    out = tmp_path / "m.mp4"
    code, _, err = run_cli("record", out, "--storyboard", board, "--size", "160x96", *FAST)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    where = f"{board}: shot 2: field 'highlight'"
    assert err.strip() == f"cube-viz: error: {where}: {what} is outside layer {layer} ({span})"
    assert not out.exists() and not steps


@pytest.mark.parametrize("tempo", [[], ["--steps-per-second", "1", "--fps", "10"]])
def test_a_movie_of_n_steps_shows_each_step(tmp_path, tempo):
    """`record --steps 6`: one frame per step at least (before: 3 frames, steps 2, 4, 6), and 6 steps trained;
    at 1 step a second, 10 frames a step (before: the sum of 60 x 0.1 fell short of 6, and step 6 was lost)."""
    from cube_viz.anim.director import Director
    from cube_viz.app.record import Source, check_record_args, frames_of
    from cube_viz.app.train import make_trainer
    from cube_viz.cli import build_parser, config_overrides
    from cube_viz.scene.frame import CubeSpec

    args = build_parser().parse_args(["record", str(tmp_path / "m.mp4"), "--steps", "6", *tempo, *FAST])
    overrides = config_overrides(args)
    request = check_record_args(args, overrides)
    trainer = make_trainer(overrides)
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    shown = [frame.step for frame, _ in frames_of(request, Director(spec), Source(trainer=trainer))]
    assert set(shown) - {0} == {1, 2, 3, 4, 5, 6}, f"steps shown: {shown}"
    assert trainer.step_count == 6


def test_a_replay_lasts_as_long_as_its_recording_at_the_tempo(tmp_path, run_cli):
    """A 30-step recording at 20 steps a second: 1.5 s (before: the 2,000 steps of a default run, 100 s)."""
    from cube_viz.app.record import check_record_args
    from cube_viz.cli import build_parser, config_overrides

    run = tmp_path / "run.npz"
    assert run_cli("train", *FAST, "--steps", "30", "--record", run, "--record-every", "5")[0] == 0
    args = build_parser().parse_args(["record", str(tmp_path / "m.mp4"), "--from-run", str(run),
                                      "--steps-per-second", "20"])
    shots = check_record_args(args, config_overrides(args)).shots
    assert [s.duration for s in shots] == [30 / 20]


@pytest.mark.parametrize("python_flags", [[], ["-O"]])
def test_a_file_that_is_not_a_recording_is_one_line_also_under_python_O(tmp_path, python_flags):
    """The format check must not be an `assert` (python -O removes it: the file was then taken as a recording)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    bad = tmp_path / "bad.npz"
    meta = {"format": "some other tool 3", "vocab": ["a"], "config": {}, "steps": [0]}
    np.savez(bad, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), x=np.zeros(3))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run([sys.executable, *python_flags, "-m", "cube_viz", "record", str(tmp_path / "m.mp4"),
                           "--from-run", str(bad)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    err = done.stderr.strip()
    assert done.returncode == 2 and len(err.splitlines()) == 1, err
    assert str(bad) in err and "'some other tool 3'" in err and "'cube-viz run 1'" in err, err
    assert not (tmp_path / "m.mp4").exists()


def test_a_shot_traces_its_own_prompt_from_then_on(tmp_path):
    """A storyboard's `prompt` is what the frames trace from its shot on: the HUD's context, the wall."""
    from cube_viz.anim.director import Director
    from cube_viz.app.record import Source, check_record_args, frames_of
    from cube_viz.app.train import make_trainer
    from cube_viz.cli import build_parser, config_overrides
    from cube_viz.scene.frame import CubeSpec

    board = tmp_path / "b.toml"
    board.write_text('[[shot]]\nduration = 0.3\n[[shot]]\nduration = 0.3\nprompt = "the boy reads the long"\n')
    args = build_parser().parse_args(["record", str(tmp_path / "m.mp4"), "--storyboard", str(board), "--fps", "10",
                                      *FAST])
    overrides = config_overrides(args)
    trainer = make_trainer(overrides)
    first = trainer.probe_prompt
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    prompts = [frame.prompt for frame, _ in frames_of(check_record_args(args, overrides), Director(spec),
                                                       Source(trainer=trainer))]
    assert prompts == [first] * 3 + ["the boy reads the long"] * 3


@pytest.mark.parametrize("source", ["--from-run", "model"])
def test_a_storyboard_prompt_is_refused_in_one_line_where_it_cannot_be_traced(tmp_path, run_cli, source):
    run = tmp_path / "run.npz"
    board = tmp_path / "b.toml"
    if source == "--from-run":
        assert run_cli("train", *FAST, "--steps", "3", "--record", run)[0] == 0
        board.write_text('[[shot]]\nduration = 1\nprompt = "the boy"\n')
        extra, message = ["--from-run", run], "cannot be used with --from-run"
    else:
        board.write_text('[[shot]]\nduration = 1\nprompt = "qqq zzz"\n')
        extra, message = [], "qqq"
    code, _, err = run_cli("record", tmp_path / "m.mp4", "--storyboard", board, *extra, *FAST)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert "training" not in err and not (tmp_path / "m.mp4").exists()


def test_a_shot_may_draw_every_positions_attention(tmp_path):
    """A transformer storyboard's `every_position = true` draws every word's attention and the mask in that shot
    only."""
    from cube_viz.anim.director import Director
    from cube_viz.app.record import Source, check_record_args, frames_of
    from cube_viz.app.train import make_trainer
    from cube_viz.cli import build_parser, config_overrides
    from cube_viz.scene.frame import CubeSpec
    from tests.conftest import SMALL_TRANSFORMER

    board = tmp_path / "b.toml"
    board.write_text('[[shot]]\nduration = 0.2\n[[shot]]\nduration = 0.2\nevery_position = true\n'
                     '[[shot]]\nduration = 0.2\n')
    flags = ["--model", "transformer", "--context", str(SMALL_TRANSFORMER["context"]), "--d-model",
             str(SMALL_TRANSFORMER["d_model"]), "--steps", "2"]
    args = build_parser().parse_args(["record", str(tmp_path / "m.mp4"), "--storyboard", str(board), "--fps", "10",
                                      *flags])
    overrides = config_overrides(args)
    trainer = make_trainer(overrides)
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words)
    queries = [len(set(f.attention.query)) for f, _ in frames_of(check_record_args(args, overrides), Director(spec),
                                                                  Source(trainer=trainer))]
    t = SMALL_TRANSFORMER["context"]
    assert queries == [1, 1, t, t, 1, 1]
