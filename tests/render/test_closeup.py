"""A slab close-up shows each plate's tilt: the picture changes where the plates turn, not only their colour."""

from dataclasses import replace

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene import orient
from cube_viz.scene.frame import CubeSpec, build_frame
from cube_viz.sim.trainer import Trainer
from tests.render.imagecheck import assert_not_blank, difference
from tests.render.test_render import TOLERANCE

SIZE = (1920, 1080)


@pytest.fixture(scope="module")
def scene():
    t = Trainer.from_config(TrainConfig(seed=1, hidden=(32, 32)))
    for _ in range(100):
        t.step()
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    return spec, build_frame(spec, t.snapshot())


def turned(frame, slab, tilt_sign: float, tone_sign: float):
    """The frame with one slab's plates tilted and coloured as if its weights had these signs."""
    p = frame.reflectors
    inside = np.zeros(len(p.theta), bool)
    inside[slab.weights] = True
    theta = np.where(inside, tilt_sign * p.theta, p.theta).astype(np.float32)
    tone = np.where(inside, tone_sign * p.tone, p.tone).astype(np.float32)
    return replace(frame, reflectors=replace(p, theta=theta, normal=orient.normals(theta), tone=tone))


def close_up(spec, frame, slab):
    from cube_viz.render.snapshot_image import render_image

    return render_image(spec, frame, SIZE, f"slab:{slab.name}", hidden=("hud", "legend", "rays", "gel"))


@pytest.mark.parametrize("name", ["hidden.0", "out"])
def test_a_close_up_shows_the_tilt_of_every_plate(scene, name):
    spec, frame = scene
    slab = next(s for s in spec.lattice.slabs if s.name == name)
    image = close_up(spec, frame, slab)
    assert_not_blank(image, drawn=0.2)  # plates fill the view
    negated = difference(image, close_up(spec, turned(frame, slab, -1, -1), slab))
    assert negated > 3 * TOLERANCE, f"negating the slab's weights changed the close-up by only {negated:.1f}"
    # the tilt alone, every colour kept: a plate's turn must show in the picture by itself
    tilted = difference(image, close_up(spec, turned(frame, slab, -1, 1), slab))
    assert tilted > 3 * TOLERANCE, f"reversing every plate's tilt changed the close-up by only {tilted:.1f}"


def test_a_close_up_frames_its_slab_alone(scene):
    """The slabs in front of it and the wall behind it are cut away: the picture does not change when
    they turn, and plates of the framed slab are large (about 15 fill the view's height)."""
    spec, frame = scene
    slab = next(s for s in spec.lattice.slabs if s.name == "hidden.0")
    image = close_up(spec, frame, slab)
    others = frame
    for s in spec.lattice.slabs:
        if s.name != slab.name:
            others = turned(others, s, -1, -1)
    assert difference(image, close_up(spec, others, slab)) < 0.5
    from cube_viz.scene.camera import preset, resolve

    view = resolve(spec.lattice, preset(f"slab:{slab.name}"), SIZE[0] / SIZE[1])
    assert 2 * view.half_height / slab.pitch < 18  # pitches in the view's height: each plate ~60 px at 1080p


def test_a_close_up_is_titled_with_its_slabs_name(scene):
    """Its slab's name stands inside the top of the view; the other names are cut away with their slabs."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.base import text_box
    from cube_viz.render.view import grab, offscreen_plotter, set_camera
    from cube_viz.scene.lattice import slab_title

    spec, frame = scene
    plotter = offscreen_plotter(SIZE)
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        for slab in spec.lattice.slabs:
            set_camera(plotter, spec.lattice, f"slab:{slab.name}")
            grab(plotter)
            shown = [a for a in view["slab-labels"].actors if a.GetVisibility()]
            assert [a.GetInput() for a in shown] == [slab_title(slab.name)]
            left, right, bottom, top = text_box(shown[0], plotter.renderer)
            assert left > 0 and right < SIZE[0] and SIZE[1] / 2 < bottom and top < SIZE[1]  # in the view's top half
        set_camera(plotter, spec.lattice, "iso")
        grab(plotter)
        assert all(a.GetVisibility() for a in view["slab-labels"].actors)  # the whole cube: every name again
    finally:
        plotter.close()
