"""Shared by the command tests: small, fast model flags and one trained checkpoint per test module."""

import pytest

FAST = ["--context", "3", "--embed", "8", "--hidden", "16", "--batch-size", "32"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from cube_viz.cli import main

    path = tmp_path_factory.mktemp("ckpt") / "m.pt"
    assert main(["train", *FAST, "--steps", "60", "--save", str(path)]) == 0
    return path
