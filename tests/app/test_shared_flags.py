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
