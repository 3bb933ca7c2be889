"""`cube-viz export OUT.vtm|OUT.gltf`: the cube as 3D data for ParaView, pyvista or Blender."""

from __future__ import annotations

import argparse
from typing import Any

from cube_viz.app.scene_args import check_scene_args, trained_for_scene
from cube_viz.app.screenshot import cube_frame
from cube_viz.errors import UserError


def run_export(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    request = check_scene_args(args, (".vtm", ".gltf"))
    if request.camera != "iso" and request.out.suffix.lower() == ".vtm":
        raise UserError(f"--camera {request.camera} sets a .gltf's view; a .vtm holds the data only, no camera")
    trainer, code = trained_for_scene(request, overrides)
    if code:
        return code
    spec, frame = cube_frame(trainer, request.ablate, request.rays, request.every_position)
    from cube_viz.render.export import write_scene

    write_scene(spec, frame, request.out, request.camera, request.size)
    print(f"scene: {request.out}")
    return 0
