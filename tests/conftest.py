"""Shared fixtures: a small, fast training setup (tests trade model size for speed, never the checks)."""

from __future__ import annotations

import os

import pytest
import torch

from cube_viz.config import TrainConfig
from cube_viz.sim.trainer import Trainer

torch.set_num_threads(1)
# Offscreen renders go through EGL even when pytest-xvfb provides a DISPLAY for the window tests, so
# the image baselines see the same GL path everywhere (the window's view is VTK's own X11 window).
os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = "vtkEGLRenderWindow"
os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
os.environ.setdefault("ALLOW_PLOTTING", "true")

SMALL = dict(context=3, embed=8, hidden=(16,), batch_size=32)
SMALL_TRANSFORMER = dict(model="transformer", context=5, d_model=16, heads=2, layers=2, batch_size=32)


def trained_scene(config: TrainConfig, steps: int):
    """(trainer, spec, frame): `config` trained `steps` steps, and the frame of its probe drawn from it."""
    from cube_viz.scene.frame import CubeSpec, build_frame

    t = Trainer.from_config(config)
    for _ in range(steps):
        t.step()
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    return t, spec, build_frame(spec, t.snapshot())


@pytest.fixture
def small_config() -> TrainConfig:
    return TrainConfig(**SMALL)


@pytest.fixture
def small_trainer(small_config) -> Trainer:
    return Trainer.from_config(small_config)


@pytest.fixture
def run_cli(capsys):
    """Run `cube-viz ARGS` in-process: (exit code, stdout, stderr)."""
    from cube_viz.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's own exits (bad flag, --help)
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


# Each test's tier, by what it needs (`pytest -m "not gui"` runs without a window; pyproject.toml names them)
GUI = ("tests/app/test_window.py",)
RENDER = ("tests/render/", "tests/app/test_scene_commands.py", "tests/app/test_record_command.py",
          "tests/app/test_ablate_command.py", "tests/app/test_shared_flags.py::test_hide")


def pytest_collection_modifyitems(config, items):
    for item in items:
        where = item.nodeid
        tier = "gui" if where.startswith(GUI) else "render" if where.startswith(RENDER) else "pure"
        item.add_marker(getattr(pytest.mark, tier))
