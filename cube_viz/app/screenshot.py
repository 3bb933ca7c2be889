"""`cube-viz screenshot OUT.png`: train (or load) the model and draw the cube once, offscreen."""

from __future__ import annotations

import argparse
from typing import Any

from cube_viz.app.scene_args import check_scene_args, trained_for_scene
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.scene.rays import PER_LAYER
from cube_viz.sim.ablation import fraction_mask


def cube_frame(trainer, ablate: float | None = None, rays: int = PER_LAYER, every_position: bool = False):
    """(spec, frame) of the trainer's current state, with its probe prompt traced.

    With `ablate`, that fraction of the reflectors (a draw fixed by the seed) is zeroed for the picture
    only: the frame shows the damaged model, and the trainer's weights are restored exactly afterwards.
    """
    spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words, rays,
                          every_position=every_position)
    if not ablate:
        return spec, build_frame(spec, trainer.snapshot())
    knocked = fraction_mask(len(spec.lattice.param_index), ablate, trainer.config.seed)
    with trainer.knocked_out(spec.lattice.param_index[knocked]):
        return spec, build_frame(spec, trainer.snapshot(), knocked)


def run_screenshot(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    request = check_scene_args(args, (".png",))
    trainer, code = trained_for_scene(request, overrides)
    if code:
        return code
    spec, frame = cube_frame(trainer, request.ablate, request.rays, request.every_position)
    from cube_viz.render.snapshot_image import render_png  # pyvista loads only when drawing

    render_png(spec, frame, request.out, request.size, request.camera, args.transparent, args.hide)
    print(f"screenshot: {request.out} ({request.size[0]}x{request.size[1]}, camera {request.camera})")
    return 0
