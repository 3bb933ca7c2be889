"""`cube-viz ablate` and `--ablate` in pictures, through the command line."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
import pyvista as pv
import torch

import cube_viz
from tests.app.conftest import FAST


def test_ablate_writes_the_table_json_and_plot(tmp_path, run_cli, checkpoint):
    js, png = tmp_path / "a.json", tmp_path / "a.png"
    before = torch.load(checkpoint, weights_only=True)["model_state"]
    code, out, err = run_cli("ablate", "--checkpoint", checkpoint, "--draws", "2", "--singles", "10",
                             "--json", js, "--plot", png)
    assert code == 0, err
    assert "intact model" in out and "most salient" in out
    report = json.loads(js.read_text())
    assert set(report) == {"baseline", "n_weights", "unigram_entropy", "fractions", "singles", "salient", "complete"}
    assert [f["fraction"] for f in report["fractions"]] == [0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9]
    for key in ("loss_mean", "loss_std", "accuracy_mean", "accuracy_std", "tvd_mean", "tvd_std", "count", "draws"):
        assert key in report["fractions"][1]
    assert {"loss_median", "loss_max", "tvd_median", "tvd_max", "count"} <= set(report["singles"])
    assert report["fractions"][0]["loss_mean"] == report["baseline"]["loss"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and iio.imread(png).shape[0] > 300
    after = torch.load(checkpoint, weights_only=True)["model_state"]
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fractions", "0,1.5"], "--fractions"),
        (["--fractions", "-0.1"], "--fractions"),
        (["--draws", "0"], "--draws"),
        (["--checkpoint", "missing.pt"], "not found"),
        (["--plot", "figure.svg"], ".png"),
    ],
)
def test_bad_ablation_input_is_one_line(tmp_path, run_cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("ablate", *args, *FAST)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_ablated_scene_shows_dark_flat_reflectors_and_the_damaged_prediction(tmp_path, run_cli, checkpoint):
    out = tmp_path / "scene.vtm"
    code, _, err = run_cli("export", out, "--checkpoint", checkpoint, "--ablate", "0.3", "--prompt", "the cat")
    assert code == 0, err
    blocks = pv.read(out)
    r = blocks["reflectors"]
    state = torch.load(checkpoint, weights_only=True)["model_state"]
    names = list(r.field_data["layer_names"])
    original = np.concatenate([state[f"{n}.weight"].numpy()[r["row"][r["layer"] == li], r["col"][r["layer"] == li]]
                               for li, n in enumerate(names)])
    zeroed = (r["weight"] == 0) & (original != 0)
    assert zeroed.sum() == round(0.3 * r.n_points)
    np.testing.assert_allclose(r["normal"][zeroed], [[0, -1, 0]] * int(zeroed.sum()), atol=1e-7)  # flat
    # the wall shows what the damaged model predicts
    model = cube_viz.load_checkpoint(checkpoint)
    with torch.no_grad():
        for li, n in enumerate(names):
            sel = r["layer"] == li
            model.model.get_submodule(n).weight[r["row"][sel], r["col"][sel]] = torch.from_numpy(r["weight"][sel])
    np.testing.assert_allclose(blocks["wall"]["probability"], model.predict("the cat"), rtol=1e-5, atol=1e-8)


def test_ablated_screenshot(tmp_path, run_cli, checkpoint):
    out = tmp_path / "shot.png"
    code, _, err = run_cli("screenshot", out, "--checkpoint", checkpoint, "--ablate", "0.5", "--size", "320x200")
    assert code == 0, err
    assert iio.imread(out).shape == (200, 320, 3)
    code, _, err = run_cli("screenshot", out, "--checkpoint", checkpoint, "--ablate", "2")
    assert code == 2 and "--ablate" in err


def test_ablated_recording(tmp_path, run_cli):
    out = tmp_path / "m.mp4"
    code, _, err = run_cli("record", out, *FAST, "--ablate", "0.5", "--duration", "0.5", "--size", "160x96",
                           "--fps", "10")
    assert code == 0, err
    from tests.app.test_record_command import frames

    assert len(frames(out)) == 5
    code, _, err = run_cli("record", out, "--ablate", "0.5", "--from-run", out)
    assert code == 2 and "--from-run" in err


def test_a_screenshot_with_ablate_draws_the_knocked_out_plates_dark(small_trainer):
    """The screenshot's frame (cube_frame with --ablate 0.5): the plates drawn flat (their weight zeroed; a trained
    weight is never exactly 0) are dark, every other plate is not; and the picture is darker than the same zeroed
    weights drawn without the knock-out marks."""
    from dataclasses import replace

    from cube_viz.app.screenshot import cube_frame
    from cube_viz.render.cube import CubeView
    from cube_viz.render.snapshot_image import render_image
    from cube_viz.render.view import offscreen_plotter
    from cube_viz.scene.elements import NAMES
    from tests.render.drawn import drawn_plates, drawn_tilt

    for _ in range(20):
        small_trainer.step()
    spec, frame = cube_frame(small_trainer, 0.5)
    plotter = offscreen_plotter((320, 240))
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        _, normal, rgb = drawn_plates(view["reflectors"].mesh)
    finally:
        plotter.close()
    flat = drawn_tilt(normal) == 0
    assert flat.sum() == round(0.5 * len(flat))
    assert rgb[flat].max() < 40, f"knocked-out plates drawn {np.unique(rgb[flat], axis=0)[:3]}, not dark"
    assert rgb[~flat].max(axis=1).min() > 60, "a plate that was not knocked out drawn dark"
    others = tuple(n for n in NAMES if n != "reflectors")
    marked = render_image(spec, frame, (400, 400), "front", hidden=others).astype(int)
    plain = render_image(spec, replace(frame, knocked=None), (400, 400), "front", hidden=others).astype(int)
    brighter = (marked.sum(axis=2) > plain.sum(axis=2) + 30).mean()
    darker = (marked.sum(axis=2) < plain.sum(axis=2) - 30).mean()
    assert darker > 0.05 and brighter < 0.01, f"knocked-out plates darker on {darker:.1%} of the screenshot, " \
        f"brighter on {brighter:.1%}"


def test_every_frame_of_an_ablated_movie_shows_the_damaged_model(small_trainer):
    """record --ablate: each frame, as training goes on, has the knocked-out weights at 0 (flat and dark) and the
    wall shows what torch predicts with them zeroed; the trainer's own weights stay intact."""
    import torch

    from cube_viz.anim.director import Director
    from cube_viz.anim.storyboard import Shot
    from cube_viz.app.record import RecordRequest, Source, frames_of
    from cube_viz.scene.frame import CubeSpec
    from cube_viz.sim.ablation import fraction_mask

    t = small_trainer
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    knocked = fraction_mask(len(spec.lattice.param_index), 0.5, t.config.seed)
    request = RecordRequest(None, (16, 16), 10.0, [Shot(duration=0.5, training="training", steps_per_second=20)])
    for frame, _ in frames_of(request, Director(spec), Source(trainer=t), knocked):
        np.testing.assert_array_equal(frame.knocked, knocked)
        assert not frame.reflectors.weight[knocked].any() and frame.reflectors.weight[~knocked].all()
        state = {k: v.clone() for k, v in t.model.state_dict().items()}
        flat = torch.cat([v.reshape(-1) for v in state.values()])
        flat[torch.from_numpy(spec.lattice.param_index[knocked])] = 0.0
        damaged, offset = {}, 0
        for k, v in state.items():
            damaged[k], offset = flat[offset:offset + v.numel()].view_as(v), offset + v.numel()
        with torch.no_grad():
            probs = torch.softmax(torch.func.functional_call(t.model, damaged, (torch.tensor(t.probe_ids),)), -1)
        np.testing.assert_allclose(frame.probs, probs.numpy(), atol=1e-6)
    assert t.step_count == 10 and np.asarray(t.model.state_dict()["out.weight"]).all()  # trained on, intact
