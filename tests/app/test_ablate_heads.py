"""`cube-viz ablate --each-head`: each attention head of the transformer knocked out alone, from the command line."""

import json

import pytest
import torch

from tests.app.conftest import FAST
from tests.conftest import SMALL_TRANSFORMER

TRANSFORMER = ["--model", "transformer", "--context", str(SMALL_TRANSFORMER["context"]),
               "--d-model", str(SMALL_TRANSFORMER["d_model"]), "--heads", str(SMALL_TRANSFORMER["heads"]),
               "--layers", str(SMALL_TRANSFORMER["layers"]), "--batch-size", str(SMALL_TRANSFORMER["batch_size"])]


@pytest.fixture(scope="module")
def transformer_checkpoint(tmp_path_factory):
    from cube_viz.cli import main

    path = tmp_path_factory.mktemp("ckpt") / "tf.pt"
    assert main(["train", *TRANSFORMER, "--steps", "50", "--save", str(path)]) == 0
    return path


def test_each_head_trains_then_prints_the_table_and_writes_the_figures(tmp_path, run_cli):
    js = tmp_path / "heads.json"
    code, out, err = run_cli("ablate", *TRANSFORMER, "--steps", "50", "--each-head", "--json", js)
    assert code == 0, err
    report = json.loads(js.read_text())
    assert report["complete"] and (report["layers"], report["heads"]) == (2, 2)
    assert [(k["layer"], k["head"]) for k in report["knockouts"]] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    b = report["baseline"]
    # the figures are those of the model the flags describe, trained 50 steps (training is bit-identical)
    from cube_viz.config import TrainConfig
    from cube_viz.sim.trainer import Trainer

    t = Trainer.from_config(TrainConfig(**SMALL_TRANSFORMER, steps=50))
    for _ in range(50):
        t.step()
    assert b["loss"] == pytest.approx(t.evaluate().loss, rel=1e-6) and b["tvd"] == 0
    lines = out.splitlines()
    assert f"intact model: held-out loss {b['loss']:.3f} nats, accuracy {b['accuracy']:.1%}" in out
    assert f'the probe "{t.probe_prompt}" -> {report["top_word"]} ({report["top_probability"]:.3f})' in out
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["layer", "head"])
    assert f"p({report['top_word']}) after" in lines[header]
    rows = [line.split() for line in lines[header + 1:header + 5]]
    for row, k in zip(rows, report["knockouts"], strict=True):
        assert row == [str(k["layer"]), str(k["head"]), f"{k['loss']:.3f}", f"{k['loss'] - b['loss']:+.3f}",
                       f"{k['accuracy']:.1%}", f"{k['tvd']:.3f}", k["top_word"], f"({k['top_probability']:.3f})",
                       f"{k['intact_top_probability']:.3f}"]
    assert lines[-1] == f"figures: {js}"


def test_each_head_on_a_checkpoint_leaves_it_unchanged(run_cli, transformer_checkpoint):
    before = torch.load(transformer_checkpoint, weights_only=True)["model_state"]
    code, out, err = run_cli("ablate", "--checkpoint", transformer_checkpoint, "--each-head")
    assert code == 0, err
    assert "training" not in err and sum(line.split()[:2] == ["1", "1"] for line in out.splitlines()) == 1
    after = torch.load(transformer_checkpoint, weights_only=True)["model_state"]
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("measured", [0, 1])
def test_ctrl_c_keeps_the_heads_measured_so_far(tmp_path, run_cli, transformer_checkpoint, monkeypatch, measured):
    import tqdm

    def ctrl_c_after(items, **_):
        yield from list(items)[:measured]
        raise KeyboardInterrupt

    monkeypatch.setattr(tqdm, "tqdm", ctrl_c_after)  # ablate's bar (training's was imported before)
    js = tmp_path / "heads.json"
    code, out, err = run_cli("ablate", "--checkpoint", transformer_checkpoint, "--each-head", "--json", js)
    assert code == 130 and "interrupted" in err
    rows = [line.split()[:2] for line in out.splitlines()]
    assert (["0", "0"] in rows) == (measured == 1) and ["0", "1"] not in rows  # the table of what was measured
    report = json.loads(js.read_text())
    assert not report["complete"] and len(report["knockouts"]) == measured


def test_the_mlp_has_no_heads_and_is_refused_before_training(run_cli):
    code, out, err = run_cli("ablate", "--each-head", *FAST)
    assert code == 2 and out == ""  # nothing built or trained: make_trainer prints "corpus: ..." first
    assert err == "cube-viz: error: --each-head knocks out attention heads, and the MLP has none: " \
        "add --model transformer\n"


def test_an_mlp_checkpoint_is_refused_in_one_line(run_cli, checkpoint):
    code, _, err = run_cli("ablate", "--checkpoint", checkpoint, "--each-head")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--each-head" in err and "the MLP, which has none" in err and str(checkpoint) in err


@pytest.mark.parametrize("flag", [["--plot", "heads.png"], ["--draws", "3"], ["--singles", "0"],
                                  ["--fractions", "0.1"]])
def test_the_random_experiments_flags_are_refused_with_each_head(tmp_path, run_cli, monkeypatch, flag):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("ablate", *TRANSFORMER, "--each-head", *flag)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith(f"cube-viz: error: {flag[0]} belongs to the random knock-outs")
