"""Run recordings: snapshots every k steps, readable without pickle, faithful to the trainer's snapshots."""

import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.errors import UserError
from cube_viz.sim.recording import MAX_BYTES, RunRecorder, RunRecording, record_every
from cube_viz.sim.trainer import Trainer
from tests.conftest import SMALL, SMALL_TRANSFORMER


def test_recording_round_trips_the_snapshots(tmp_path, small_trainer):
    path = tmp_path / "run.npz"
    taken = []
    with RunRecorder(path, small_trainer.dataset.vocab.words, small_trainer.config.to_dict(), every=2) as rec:
        rec.add(small_trainer.snapshot())
        for _ in range(6):
            s = small_trainer.step(capture=True)
            if rec.wants(s.step):
                rec.add(s)
                taken.append(s)
    run = RunRecording(path)
    assert run.steps == [0, 2, 4, 6] and len(run) == 4
    assert run.vocab == small_trainer.dataset.vocab.words and run.config["hidden"] == list(SMALL["hidden"])
    for original, read in zip(taken, (run[j] for j in range(1, 4)), strict=True):
        assert read.step == original.step and read.epoch == original.epoch and read.loss == original.loss
        for field in ("params", "grads", "updates", "decay"):
            np.testing.assert_array_equal(getattr(read, field).flat, getattr(original, field).flat)
        assert read.params.layout == original.params.layout
        assert read.probe.prompt == original.probe.prompt and read.probe.target_id == original.probe.target_id
        for a, b in zip(read.probe.post, original.probe.post, strict=True):
            np.testing.assert_array_equal(a, b)
    assert run[-1].step == 6


def test_recording_is_plain_npy_without_pickles(tmp_path, run_cli):
    path = tmp_path / "run.npz"
    code, _out, err = run_cli("train", "--context", "3", "--embed", "8", "--hidden", "16",
                             "--steps", "10", "--record", path, "--record-every", "5")
    assert code == 0, err
    with np.load(path, allow_pickle=False) as z:  # would raise on any object array
        for name in z.files:
            assert z[name].dtype != object
    assert all(n.endswith(".npy") for n in zipfile.ZipFile(path).namelist())
    assert RunRecording(path).steps == [0, 5, 10]


def test_default_run_recording_stays_under_50_mb():
    n_params, steps = 29_056, 2_000
    k = record_every(n_params, steps)
    snapshots = steps // k + 2  # plus step 0 and the last step
    assert snapshots * 3 * 4 * n_params <= MAX_BYTES + 2 * 3 * 4 * n_params < 50_000_000
    assert k <= 25  # still dense enough for a movie


def test_unreadable_recording_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    with pytest.raises(UserError, match="not a readable"):
        RunRecording(bad)


def test_a_default_size_recording_keeps_the_last_step_and_fits_the_budget(tmp_path, run_cli):
    """The default model (TrainConfig()), a few steps: the last step (7, not a multiple of k = 3) is kept, and at
    the k chosen for a default 2,000-step run its snapshots, as written, add up to less than the README's 50 MB."""
    path = tmp_path / "run.npz"
    code, _out, err = run_cli("train", "--steps", "7", "--record", path, "--record-every", "3")
    assert code == 0, err
    run = RunRecording(path)
    assert run.steps == [0, 3, 6, 7] and math.isfinite(run[-1].loss)  # a trained step
    n_params = run[-1].params.flat.size
    assert n_params == 29_056  # the README's default model
    with np.load(path, allow_pickle=False) as z:
        for name in ("params", "grads", "updates"):
            assert z[f"000003/{name}"].dtype == np.float32 and z[f"000003/{name}"].shape == (n_params,)
    with zipfile.ZipFile(path) as z:
        sizes = {}
        for info in z.infolist():
            key = info.filename.split("/")[0]
            sizes[key] = sizes.get(key, 0) + info.compress_size
    meta = sizes.pop("meta.npy")
    assert len(sizes) == 4
    per_snapshot = max(sizes.values())  # a trained step's: its gradients and updates compress least
    assert per_snapshot > 3 * 4 * n_params / 2  # the three float32 vectors are really in there
    k = record_every(n_params, 2000)
    kept = len(range(0, 2001, k)) + (2000 % k != 0)  # every k-th step from 0, and the last
    assert meta + kept * per_snapshot < 50_000_000
    assert k <= 25  # still dense enough for a movie
    assert path.stat().st_size < 4 * per_snapshot + meta + 100_000


def readme_recording_entries(transformer: bool = False) -> tuple[list[list[str]], str]:
    """From the README's "Run recordings" section: the entry names of each bullet (the transformer's own with
    `transformer`), and the text of the scalars."""
    text = (Path(__file__).parents[2] / "README.md").read_text()
    section = text.split("\n## Run recordings\n", 1)[1].split("\n## ", 1)[0]
    bullets = [line[2:] for line in section.splitlines() if line.startswith("- `")]
    bullets = [b for b in bullets if transformer or "transformer" not in b.split(":", 1)[0]]
    names = [re.findall(r"`([^`]+)`", b.split(":", 1)[0]) for b in bullets]
    scalars = next(b.split(":", 1)[1] for b in bullets if b.startswith("`NNNNNN/scalars`"))
    return names, scalars.split(";")[0]


@pytest.mark.parametrize("shape", [SMALL, SMALL_TRANSFORMER], ids=["mlp", "transformer"])
def test_readme_lists_exactly_the_entries_a_recording_has(tmp_path, shape):
    trainer = Trainer.from_config(TrainConfig(**shape))
    path = tmp_path / "run.npz"
    with RunRecorder(path, trainer.dataset.vocab.words, trainer.config.to_dict(), every=1) as rec:
        rec.add(trainer.snapshot())
        rec.add(trainer.step(capture=True))
    n_layers = 1 + (shape["layers"] if shape.get("model") == "transformer" else len(shape["hidden"])) + 1
    documented = set()
    for bullet in readme_recording_entries(transformer=shape.get("model") == "transformer")[0]:
        prefix = bullet[0].rpartition("/")[0]
        for name in bullet:
            full = name if "/" in name or not prefix else f"{prefix}/{name}"
            if full.endswith("L"):  # preL, postL: one per layer
                documented |= {f"{full[:-1]}{i}" for i in range(n_layers)}
            else:
                documented.add(full)
    with zipfile.ZipFile(path) as z:
        written = {re.sub(r"^\d{6}/", "NNNNNN/", n.removesuffix(".npy")) for n in z.namelist()}
    assert documented == written
    scalars = readme_recording_entries()[1]
    with np.load(path, allow_pickle=False) as z:
        assert len(z["000001/scalars"]) == len(scalars.split(","))
        meta = json.loads(z["meta"].tobytes())
    section_meta = next(b for b in readme_recording_entries()[0] if b[0] == "meta")
    assert set(section_meta[1:]) <= set(meta)  # vocab, config, layout, steps
