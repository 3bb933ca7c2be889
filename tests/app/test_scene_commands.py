"""`cube-viz screenshot` and `cube-viz export` through the command line, checked against the saved model."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
import pyvista as pv
import torch

import cube_viz
from tests.app.conftest import FAST
from tests.render.imagecheck import assert_not_blank


@pytest.mark.parametrize("width, height", [(480, 270), (3840, 2160)])
def test_screenshot_writes_a_picture_of_the_requested_size(tmp_path, run_cli, checkpoint, width, height):
    out = tmp_path / "shot.png"
    code, _stdout, err = run_cli("screenshot", out, "--checkpoint", checkpoint, "--size", f"{width}x{height}")
    assert code == 0, err
    assert "training" not in err  # the checkpoint drawn as saved: no empty progress bar
    img = iio.imread(out)
    assert img.shape == (height, width, 3)
    assert_not_blank(img)


def test_screenshot_trains_first_and_can_save_the_model(tmp_path, run_cli):
    out, ckpt = tmp_path / "shot.png", tmp_path / "m.pt"
    code, _, err = run_cli("screenshot", out, *FAST, "--steps", "5", "--size", "320x240", "--transparent",
                           "--save-checkpoint", ckpt)
    assert code == 0, err
    assert iio.imread(out).shape == (240, 320, 4)
    assert torch.load(ckpt, weights_only=True)["step"] == 5


def test_export_vtm_holds_the_state_dict_and_the_prediction(tmp_path, run_cli, checkpoint):
    out = tmp_path / "scene.vtm"
    prompt = "the cat eats"
    code, _, err = run_cli("export", out, "--checkpoint", checkpoint, "--prompt", prompt)
    assert code == 0, err
    blocks = pv.read(out)
    assert list(blocks.keys()) == ["reflectors", "biases", "rays", "context", "wall", "cube"]
    state = torch.load(checkpoint, weights_only=True)["model_state"]
    for name in ("reflectors", "biases"):
        b = blocks[name]
        names = list(b.field_data["layer_names"])
        assert b["weight"].dtype == np.float32 and b["grad"].dtype == np.float32
        assert b["layer"].dtype == np.int32 and b["row"].dtype == np.int32 and b["col"].dtype == np.int32
        np.testing.assert_allclose(np.linalg.norm(b["normal"], axis=1), 1.0, rtol=1e-6)
        for li, layer in enumerate(names):
            sel = b["layer"] == li
            if name == "reflectors":
                expected = state[f"{layer}.weight"].numpy()[b["row"][sel], b["col"][sel]]
            else:
                if not sel.any():
                    continue
                expected = state[f"{layer}.bias"].numpy()[b["row"][sel]]
            np.testing.assert_array_equal(b["weight"][sel], expected)
    n_weights = sum(t.numel() for k, t in state.items() if k.endswith("weight"))
    assert blocks["reflectors"].n_points == n_weights
    wall = blocks["wall"]
    model = cube_viz.load_checkpoint(checkpoint)
    np.testing.assert_allclose(wall["probability"], model.predict(prompt), rtol=1e-5, atol=1e-8)
    assert list(wall["word"]) == model.vocab and list(wall["token_id"]) == list(range(len(model.vocab)))
    assert "intensity" in blocks["rays"].cell_data and blocks["rays"].n_cells > 0
    context = blocks["context"]  # the 3 words the model reads (FAST: --context 3), where their light enters
    assert list(context["word"]) == prompt.split() and list(context["position"]) == [0, 1, 2]
    rays = blocks["rays"]
    entry = np.asarray(rays.points).reshape(-1, 2, 3)[rays.cell_data["stage"] == 0, 0]  # (k*E, 3) their starts
    np.testing.assert_allclose(entry, np.repeat(context.points, len(entry) // 3, axis=0), atol=1e-5)


def test_export_gltf(tmp_path, run_cli, checkpoint):
    out = tmp_path / "scene.gltf"
    code, _, err = run_cli("export", out, "--checkpoint", checkpoint)
    assert code == 0, err
    assert out.stat().st_size > 10_000 and out.read_text()[:1] == "{"
    scene = json.loads(out.read_text())
    for mesh in scene["meshes"]:  # a valid file: every attribute of a primitive has one entry per vertex
        for primitive in mesh["primitives"]:
            counts = {name: scene["accessors"][i]["count"] for name, i in primitive["attributes"].items()}
            assert len(set(counts.values())) == 1, counts
    for material in scene["materials"]:  # the words and the glass see-through, not solid
        pbr = material["pbrMetallicRoughness"]
        if "baseColorTexture" in pbr or pbr["baseColorFactor"][3] < 1:
            assert material["alphaMode"] == "BLEND"
    textured = sum("baseColorTexture" in m["pbrMetallicRoughness"] for m in scene["materials"])
    assert textured == 3  # the wall, its top guess and its true word


@pytest.mark.parametrize("camera, forward", [("front", (0, 1, 0)), ("top", (0, 0, -1))])
def test_export_gltf_is_seen_by_the_requested_camera(tmp_path, run_cli, checkpoint, camera, forward):
    """The glTF's camera node looks the preset's way (front: along the light, toward the wall; top: down), in
    the cube's parallel projection at --size's aspect."""
    out = tmp_path / "scene.gltf"
    code, _, err = run_cli("export", out, "--checkpoint", checkpoint, "--camera", camera, "--size", "1280x720")
    assert code == 0, err
    scene = json.loads(out.read_text())
    (node,) = [n for n in scene["nodes"] if "camera" in n]
    to_world = np.array(node["matrix"]).reshape(4, 4).T  # glTF stores column-major
    assert np.dot(-to_world[:3, 2], forward) > 0.99  # a glTF camera looks along its -z
    (lens,) = scene["cameras"]
    assert lens["type"] == "orthographic"
    assert lens["orthographic"]["xmag"] / lens["orthographic"]["ymag"] == pytest.approx(1280 / 720, rel=0.01)


def test_export_vtm_refuses_a_camera_it_cannot_hold(tmp_path, run_cli):
    code, _, err = run_cli("export", tmp_path / "scene.vtm", "--camera", "front", *FAST)
    assert code == 2 and ".gltf" in err and len(err.strip().splitlines()) == 1
    assert "training" not in err


GLTF_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}  # glTF 2.0, 3.6.2.2
GLTF_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


def test_exported_gltf_follows_the_specification_rules_for_buffer_views(tmp_path, run_cli, checkpoint):
    """glTF 2.0 (3.6): a bufferView holds one kind of data; vertex attributes' views have target ARRAY_BUFFER
    or none, indices' views ELEMENT_ARRAY_BUFFER or none, an image's view no target and no accessor; every
    accessor fits in its view, every view in its buffer, every buffer's data URI decodes to its byteLength."""
    import base64

    out = tmp_path / "scene.gltf"
    assert run_cli("export", out, "--checkpoint", checkpoint)[0] == 0
    scene = json.loads(out.read_text())
    data = []
    for i, buffer in enumerate(scene["buffers"]):
        head, _, payload = buffer["uri"].partition(",")
        assert head.startswith("data:") and head.endswith(";base64"), f"buffer {i}: {head}"
        data.append(base64.b64decode(payload, validate=True))
        assert len(data[-1]) == buffer["byteLength"], f"buffer {i}"
    views = scene["bufferViews"]
    for i, view in enumerate(views):
        assert view.get("byteOffset", 0) + view["byteLength"] <= len(data[view["buffer"]]), f"bufferView {i}"
    for i, acc in enumerate(scene["accessors"]):
        size = GLTF_COMPONENT_BYTES[acc["componentType"]]
        offset, view = acc.get("byteOffset", 0), views[acc["bufferView"]]
        stride = view.get("byteStride", size * GLTF_TYPE_COMPONENTS[acc["type"]])
        end = offset + stride * (acc["count"] - 1) + size * GLTF_TYPE_COMPONENTS[acc["type"]]
        assert offset % size == 0 and end <= view["byteLength"], f"accessor {i} overruns bufferView {acc['bufferView']}"
    attribute_views, index_views = set(), set()
    for mesh in scene["meshes"]:
        for primitive in mesh["primitives"]:
            attribute_views |= {scene["accessors"][a]["bufferView"] for a in primitive["attributes"].values()}
            if "indices" in primitive:
                index_views.add(scene["accessors"][primitive["indices"]]["bufferView"])
    image_views = {image["bufferView"] for image in scene.get("images", []) if "bufferView" in image}
    assert image_views, "the wall's texture is an image in a bufferView"
    accessor_views = {acc["bufferView"] for acc in scene["accessors"]}
    assert not image_views & accessor_views, "a bufferView is both an image's and an accessor's"
    assert not attribute_views & index_views
    for i in attribute_views:
        assert views[i].get("target", ARRAY_BUFFER) == ARRAY_BUFFER, f"bufferView {i}: {views[i]}"
    for i in index_views:
        assert views[i].get("target", ELEMENT_ARRAY_BUFFER) == ELEMENT_ARRAY_BUFFER, f"bufferView {i}: {views[i]}"
    for i in image_views:
        assert "target" not in views[i], f"bufferView {i} is an image's source and a vertex buffer: {views[i]}"
        start = views[i].get("byteOffset", 0)
        assert data[views[i]["buffer"]][start:start + 8] == b"\x89PNG\r\n\x1a\n"
    blocks = pv.read(out)  # vtkGLTFReader still opens it, with every mesh
    assert blocks.n_blocks > 0 and sum(b.n_points for b in blocks.recursive_iterator() if b is not None) > 10_000


@pytest.mark.parametrize(
    "args, message",
    [
        (["shot.png", "--camera", "fisheye"], "camera"),
        (["shot.png", "--camera", "slab:hidden.7"], "no slab 'hidden.7'"),
        (["shot.png", "--size", "big"], "--size"),
        (["shot.png", "--size", "7680x4320"], "outside"),
        (["shot.jpg"], "unsupported"),
        (["/no/such/folder/shot.png"], "does not exist"),
        (["shot.png", "--prompt", "zebra xylophone"], "no word"),
        (["shot.png", "--checkpoint", "missing.pt"], "not found"),
    ],
)
def test_bad_scene_input_is_one_line_before_training(tmp_path, run_cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli("screenshot", *args, *FAST)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "training" not in err  # no progress bar: nothing was trained


def test_export_rejects_an_unknown_format(tmp_path, run_cli):
    code, _, err = run_cli("export", tmp_path / "scene.obj")
    assert code == 2 and ".vtm" in err



def gltf_arrays(gltf, accessor: int) -> np.ndarray:
    """(count, components) of a glTF accessor read from its data-URI buffer (tightly packed views)."""
    acc = gltf.accessors[accessor]
    view = gltf.bufferViews[acc.bufferView]
    data = gltf.decode_data_uri(gltf.buffers[view.buffer].uri)
    dtype = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}[acc.componentType]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc.type]
    start = (view.byteOffset or 0) + (acc.byteOffset or 0)
    assert view.byteStride in (None, width * np.dtype(dtype).itemsize)
    return np.frombuffer(data, dtype, acc.count * width, start).reshape(acc.count, width)


def test_exported_gltf_plates_have_their_weights_colours_and_the_words_are_lit(tmp_path, run_cli):
    """Loaded back with pygltflib: the plate mesh's vertex colours follow the README's diverging map of w / s on
    the checkpoint's state_dict (s from a fresh model of the same seed), and the wall's words give light in
    proportion to the model's probabilities for the prompt, the top word opaque."""
    from types import SimpleNamespace

    import pygltflib

    from cube_viz.config import TrainConfig
    from tests.render.drawn import (
        assert_diverging_colours,
        drawn_plates,
        fresh_scales,
        slab_grids,
        tiny_corpus,
        weight_names,
    )

    corpus, ckpt, out = tiny_corpus(tmp_path), tmp_path / "m.pt", tmp_path / "scene.gltf"
    model_flags = ["--corpus", corpus, "--context", "2", "--embed", "10", "--hidden", "12,10", "--seed", "5"]
    assert run_cli("train", *model_flags, "--batch-size", "16", "--steps", "150", "--save", ckpt)[0] == 0
    code, _, err = run_cli("export", out, "--checkpoint", ckpt, "--prompt", "the cat")
    assert code == 0, err
    state = torch.load(ckpt, weights_only=True)["model_state"]
    names, n_weights = weight_names(state), sum(state[f"{n}.weight"].numel() for n in weight_names(state))
    vocab = state["embed.weight"].shape[0]
    gltf = pygltflib.GLTF2().load(str(out))
    meshes = {}
    for mesh in gltf.meshes:
        for p in mesh.primitives:
            if p.attributes.COLOR_0 is not None:
                meshes.setdefault((gltf.accessors[p.attributes.POSITION].count, p.attributes.TEXCOORD_0 is not None),
                                  p.attributes)
    plates = meshes[(4 * n_weights, False)]  # the reflectors: 4 corners a plate, coloured
    rgba = gltf_arrays(gltf, plates.COLOR_0).astype(int)
    centres, _, rgb = drawn_plates(SimpleNamespace(points=gltf_arrays(gltf, plates.POSITION),
                                                   point_data={"rgb": rgba[:, :3]}))
    scales = fresh_scales(TrainConfig(context=2, embed=10, hidden=(12, 10), seed=5), vocab)
    colours, u = [], []
    for name, grid in zip(names, slab_grids(centres), strict=True):
        assert grid.shape == tuple(state[f"{name}.weight"].shape)
        colours.append(rgb[grid].reshape(-1, 3))
        u.append((state[f"{name}.weight"].double() / scales[f"{name}.weight"]).numpy().ravel())
    assert_diverging_colours(np.concatenate(colours), np.concatenate(u), "glTF reflectors")
    wall = meshes[(4 * vocab, True)]  # the words: one textured quad each, tinted
    light = gltf_arrays(gltf, wall.COLOR_0)[::4, 0].astype(int)  # the glyphs' light: the warm white's red
    probs = cube_viz.load_checkpoint(ckpt).predict("the cat")
    rest = np.arange(vocab) != int(np.argmax(probs))  # the top guess is gold
    logp = np.log(probs)
    x = (logp[rest] - logp.min()) / (logp.max() - logp.min())  # README: linear in log probability
    slope, floor = np.polyfit(x, light[rest], 1)
    off = np.abs(floor + slope * x - light[rest]).max()
    assert off <= 1.0 and slope > 0.3 * 255, f"the words' light is not linear in log probability (off {off:.1f})"
