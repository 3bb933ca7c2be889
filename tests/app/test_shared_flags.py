"""--checkpoint, --prompt and --ablate mean the same and fail the same in every command that takes them."""

import pytest

COMMANDS = {"run": [], "train": [], "screenshot": ["shot.png"], "export": ["scene.vtm"], "record": ["movie.mp4"],
            "ablate": []}


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_lists_one_prompt_flag(run_cli, command):
    code, out, _ = run_cli(command, "--help")
    assert code == 0
    assert out.count("--prompt TEXT ") == 1 and "--probe" not in out


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "train"])
def test_a_missing_checkpoint_is_the_same_one_line_error_everywhere(tmp_path, run_cli, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(command, *COMMANDS[command], "--checkpoint", "missing.pt")
    assert (code, err) == (2, "cube-viz: error: checkpoint not found: missing.pt\n")


@pytest.mark.parametrize("command", ["screenshot", "export", "record"])
@pytest.mark.parametrize("fraction", ["-0.1", "1.5", "nan"])
def test_a_fraction_outside_0_1_is_the_same_one_line_error_everywhere(tmp_path, run_cli, monkeypatch, command,
                                                                      fraction):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(command, *COMMANDS[command], "--ablate", fraction)
    assert (code, err) == (2, f"cube-viz: error: --ablate must be a fraction in [0, 1], got {float(fraction):g}\n")


def test_hide_leaves_the_named_elements_out_of_a_screenshot(tmp_path, run_cli, checkpoint):
    import imageio.v3 as iio
    import numpy as np

    shots = {}
    for name, hide in (("all", []), ("bare", ["--hide", "hud,legend"])):
        out = tmp_path / f"{name}.png"
        code, _, err = run_cli("screenshot", out, "--checkpoint", checkpoint, "--size", "480x270", *hide)
        assert code == 0, err
        shots[name] = iio.imread(out).astype(float)
    hud, legend = np.s_[:40, :200], np.s_[-80:, :160]  # the upper left and lower left corners
    for corner in (hud, legend):
        assert np.abs(shots["all"][corner] - shots["bare"][corner]).mean() > 3
    cube = np.s_[80:200, 220:380]  # the middle of the cube, where neither text is
    assert np.abs(shots["all"][cube] - shots["bare"][cube]).mean() < 0.5


def test_an_unknown_element_to_hide_is_one_line(run_cli):
    code, _, err = run_cli("record", "m.mp4", "--hide", "hud,plates")
    assert code == 2 and "unknown element 'plates'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["run", "screenshot", "export", "record"])
@pytest.mark.parametrize("count", ["0", "257", "-3", "many"])
def test_a_bad_beam_count_is_one_line_before_any_training(tmp_path, run_cli, monkeypatch, command, count):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(command, *COMMANDS[command], "--rays", count)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--rays" in err, err
    assert "training" not in out + err and not list(tmp_path.iterdir())


def test_rays_sets_the_beams_per_slab_of_the_export(tmp_path, run_cli, checkpoint):
    import pyvista as pv

    counts = {}
    for n in (2, 5):
        out = tmp_path / f"scene{n}.vtm"
        code, _, err = run_cli("export", out, "--checkpoint", checkpoint, "--rays", str(n))
        assert code == 0, err
        stage = pv.read(out)["rays"].cell_data["stage"]
        counts[n] = [int((stage == s).sum()) for s in range(1, stage.max())]  # the slabs after the embedding
    assert counts == {2: [2, 2], 5: [5, 5]}  # FAST: hidden 16, then the output slab


TRANSFORMER = ["--model", "transformer", "--context", "5", "--d-model", "16", "--batch-size", "32"]


@pytest.fixture(scope="module")
def transformer_run(tmp_path_factory):
    """A transformer checkpoint and run recording (a few steps)."""
    from cube_viz.cli import main

    folder = tmp_path_factory.mktemp("transformer")
    checkpoint, recording = folder / "tf.pt", folder / "tf.npz"
    assert main(["train", *TRANSFORMER, "--steps", "4", "--save", str(checkpoint), "--record", str(recording)]) == 0
    return checkpoint, recording


@pytest.mark.parametrize("command, source", [("screenshot", "--checkpoint"), ("export", "--checkpoint"),
                                             ("record", "--from-run")])
def test_the_commands_that_draw_draw_a_transformer_checkpoint_or_recording(tmp_path, run_cli, monkeypatch,
                                                                          transformer_run, command, source):
    """No --model flag: the model is the checkpoint's (or recording's), known once it is read."""
    import imageio.v3 as iio
    import pyvista as pv

    monkeypatch.chdir(tmp_path)
    path = transformer_run[0] if source == "--checkpoint" else transformer_run[1]
    extra = {"screenshot": ["--size", "320x180"], "export": [], "record": ["--size", "320x180", "--fps", "4"]}
    code, _, err = run_cli(command, *COMMANDS[command], source, path, *extra[command])
    assert code == 0, err
    out = tmp_path / COMMANDS[command][0]
    if command == "export":
        assert len(pv.read(out)["attention"].cell_data["weight"]) == 2 * 2 * 5  # layers x heads x keys of the last
    else:
        assert iio.imread(out, index=0).std() > 10  # not blank


def test_the_window_takes_a_transformer_checkpoint(transformer_run):
    from cube_viz.app.worker import TrainingWorker

    worker = TrainingWorker({}, str(transformer_run[0]), playing=False)
    try:
        assert worker.info.initial.layout[0][0] == "embed.weight"
    finally:
        worker.stop()


@pytest.mark.parametrize("command", ["train", "ablate"])
def test_the_commands_that_print_numbers_take_the_transformer(tmp_path, run_cli, command):
    extra = ["--draws", "1", "--singles", "3", "--fractions", "0,0.1"] if command == "ablate" else []
    code, out, err = run_cli(command, *TRANSFORMER, "--steps", "20", *extra)
    assert code == 0, err
    assert "held-out loss" in out if command == "train" else "intact model" in out and "most salient" in out
