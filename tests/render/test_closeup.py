"""A slab close-up shows each plate's tilt: the picture changes where the plates turn, not only their colour."""

from dataclasses import replace

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from cube_viz.scene import orient
from tests.conftest import trained_scene
from tests.render.imagecheck import assert_not_blank, background, difference
from tests.render.test_render import TOLERANCE

SIZE = (1920, 1080)


@pytest.fixture(scope="module")
def scene():
    _, spec, frame = trained_scene(TrainConfig(seed=1, hidden=(32, 32)), 100)
    return spec, frame


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
    # Seen level and lit from above and below alike (render.view), a negated plate is its mirror image: its lean
    # and colour change, not its size or its brightness. Twice the tolerance of a picture unchanged.
    negated = difference(image, close_up(spec, turned(frame, slab, -1, -1), slab))
    assert negated > 2 * TOLERANCE, f"negating the slab's weights changed the close-up by only {negated:.1f}"
    # the tilt alone, every colour kept: each plate leans the other way, so the plates' outlines move (measured
    # 17% of their pixels; 0 for plates drawn untilted, whose tilt would show only in their shading)
    reversed_tilt = close_up(spec, turned(frame, slab, -1, 1), slab)
    moved = (drawn(image) != drawn(reversed_tilt)).mean() / drawn(image).mean()
    assert moved > 0.1, f"reversing every plate's tilt moved only {moved:.1%} of the plates' pixels"


def drawn(image: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels something is drawn on, away from the background gradient."""
    rgb = image[..., :3].astype(np.int16)
    return np.abs(rgb - background(*rgb.shape[:2])).max(axis=2) > 40


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

