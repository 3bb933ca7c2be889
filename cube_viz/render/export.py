"""The cube as 3D data: a VTK multiblock (.vtm) with every number attached, or a glTF scene for Blender."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyvista as pv

from cube_viz.render.cube import CubeView
from cube_viz.render.elements.glass import shell_bounds
from cube_viz.render.view import offscreen_plotter, set_camera
from cube_viz.scene.frame import CubeSpec, Frame, Plates


def plate_points(positions: np.ndarray, plates: Plates, layer, row, col, param_index, names) -> pv.PolyData:
    cloud = pv.PolyData(np.asarray(positions, np.float32))
    cloud.point_data["weight"] = plates.weight.astype(np.float32)
    cloud.point_data["grad"] = plates.grad.astype(np.float32)
    cloud.point_data["layer"] = np.asarray(layer, np.int32)
    cloud.point_data["row"] = np.asarray(row, np.int32)
    cloud.point_data["col"] = np.asarray(col, np.int32)
    cloud.point_data["normal"] = plates.normal.astype(np.float32)
    cloud.point_data["param_index"] = np.asarray(param_index, np.int64)  # the parameter's index in params.flat
    cloud.field_data["layer_names"] = np.array(names)
    return cloud


def segments(starts: np.ndarray, ends: np.ndarray) -> pv.PolyData:
    """One line cell per segment (S,), from starts (S, 3) to ends (S, 3)."""
    n = len(starts)
    points = np.empty((2 * n, 3), np.float32)
    points[0::2], points[1::2] = starts, ends
    return pv.PolyData(points, lines=np.column_stack([np.full(n, 2), np.arange(2 * n).reshape(-1, 2)]).ravel())


def attention_block(frame: Frame) -> pv.PolyData:
    """The transformer's drawn attention beams: one line each, from the key's lane to the query's, with its
    layer, head, query, key and weight as cell and point arrays."""
    a, r = frame.attention, frame.rays
    lines = segments(r.starts[a.segment], r.ends[a.segment])
    for name in ("layer", "head", "query", "key", "weight"):
        values = getattr(a, name)
        lines.cell_data[name] = values
        lines.point_data[name] = np.repeat(values, 2)
    return lines


def scene_blocks(spec: CubeSpec, frame: Frame) -> pv.MultiBlock:
    """Blocks reflectors, biases, rays, context, wall, cube, and the transformer's attention (the layout the
    README documents)."""
    lat = spec.lattice
    names = list(lat.layer_names)
    blocks = pv.MultiBlock()
    blocks["reflectors"] = plate_points(lat.positions, frame.reflectors, lat.layer, lat.row, lat.col, lat.param_index,
                                        names)
    blocks["biases"] = plate_points(lat.bias_positions, frame.biases, lat.bias_layer, lat.bias_row,
                                    np.zeros_like(lat.bias_row), lat.bias_param_index, names)
    rays = pv.PolyData()
    if frame.rays is not None:
        r = frame.rays
        rays = segments(r.starts, r.ends)
        rays.cell_data["intensity"] = r.intensity
        rays.cell_data["contribution"] = r.contribution
        rays.cell_data["stage"] = r.stage
        rays.cell_data["kind"] = r.kind  # scene.lanes: 0 light through the slabs, 1 a lane, 2 and 4 attention, 3 a gate
    blocks["rays"] = rays
    context = pv.PolyData()
    if frame.rays is not None and frame.context:
        context = pv.PolyData(frame.rays.words.astype(np.float32))  # where each word's light enters the front face
        context.point_data["word"] = np.array(frame.context)
        context.point_data["position"] = np.arange(len(frame.context), dtype=np.int32)  # in the prompt's order
    blocks["context"] = context
    wall = pv.PolyData(spec.wall.positions)
    wall.point_data["probability"] = (frame.probs if frame.probs is not None
                                      else np.zeros(len(spec.vocab), np.float32)).astype(np.float64)
    wall.point_data["token_id"] = np.arange(len(spec.vocab), dtype=np.int32)
    wall.point_data["word"] = np.array(spec.vocab)
    blocks["wall"] = wall
    blocks["cube"] = pv.Box(bounds=shell_bounds(spec))
    if frame.attention is not None:
        blocks["attention"] = attention_block(frame)
    return blocks


def write_gltf(spec: CubeSpec, frame: Frame, path: Path, camera: str = "iso",
               size: tuple[int, int] = (1920, 1080)) -> None:
    """glTF keeps the meshes and colours of the picture as drawn, and the camera preset's view at `size`'s
    aspect (the whole cube: a close-up's cut along the light is not part of the scene)."""
    plotter = offscreen_plotter(size)
    try:
        CubeView(plotter, spec).update(frame)
        set_camera(plotter, spec.lattice, camera)
        plotter.export_gltf(str(path))
    finally:
        plotter.close()
    # VTK writes every material opaque: the glass would hide the cube and each word would be a solid box
    scene = json.loads(path.read_text())
    set_view_targets(scene)
    for material in scene.get("materials", []):
        pbr = material.get("pbrMetallicRoughness", {})
        if "baseColorTexture" in pbr or pbr.get("baseColorFactor", [1, 1, 1, 1])[3] < 1:
            material["alphaMode"] = "BLEND"
    path.write_text(json.dumps(scene))


ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


def set_view_targets(scene: dict) -> None:
    """Each bufferView's `target` from what uses it, as glTF 2.0 requires: ARRAY_BUFFER for vertex attributes,
    ELEMENT_ARRAY_BUFFER for indices, none for anything else. VTK's exporter tags every view ARRAY_BUFFER,
    the wall texture's PNG too, which makes the file invalid (a view used as a vertex buffer and an image)."""
    accessors = scene.get("accessors", [])
    targets: dict[int, int] = {}
    for mesh in scene.get("meshes", []):
        for primitive in mesh.get("primitives", []):
            for a in primitive.get("attributes", {}).values():
                targets[accessors[a]["bufferView"]] = ARRAY_BUFFER
            if "indices" in primitive:
                targets[accessors[primitive["indices"]]["bufferView"]] = ELEMENT_ARRAY_BUFFER
    for i, view in enumerate(scene.get("bufferViews", [])):
        view.pop("target", None)
        if i in targets:
            view["target"] = targets[i]


def write_scene(spec: CubeSpec, frame: Frame, path: Path, camera: str = "iso",
                size: tuple[int, int] = (1920, 1080)) -> None:
    """.gltf: the drawn scene seen by `camera`; otherwise the data blocks (which hold no camera)."""
    if path.suffix.lower() == ".gltf":
        write_gltf(spec, frame, path, camera, size)
    else:
        scene_blocks(spec, frame).save(str(path))
