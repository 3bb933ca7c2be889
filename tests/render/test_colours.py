"""A colour that means something in the picture means one thing: what is drawn to point at a part (a
storyboard's highlight) takes a hue that nothing else is drawn in, and the largest updates are marked by size,
not by the key light's white."""

from dataclasses import replace

import numpy as np
import pytest

from cube_viz.config import TrainConfig
from tests.conftest import SMALL, trained_scene

DISTINCT = 40.0  # CIELAB distance (ΔE76) at least between two colours of different meanings


def lab(rgb) -> np.ndarray:
    """(..., 3) CIELAB (D65) of sRGB colours (..., 3) in 0..255."""
    c = np.asarray(rgb, np.float64) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = c @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def meanings() -> dict[str, np.ndarray]:
    """Every colour that says something in the picture, by what it says (the README's reading table)."""
    import pyvista as pv

    from cube_viz.render.elements import glass
    from cube_viz.scene import palette as p

    named = {"weight < 0": p.NEGATIVE, "weight 0": p.NEUTRAL, "weight > 0": p.POSITIVE, "gradient glow": p.GLOW,
             "weight decay": p.FIELD, "knocked out": p.KNOCKED_OUT, "ray +": p.RAY_POSITIVE, "ray -": p.RAY_NEGATIVE,
             "word": p.WORD, "top guess": p.TOP_WORD, "true word": p.TARGET_WORD, "gel dims": p.SUPPRESS,
             "gel amplifies": p.AMPLIFY, "gel passes": p.PASS, "key light's glint, selection": (255, 255, 255)}
    named |= {"a lane": p.LANE, "causal mask": p.MASK}
    for what, colour in (("glass", glass.TINT), ("glass edge", glass.EDGE), ("epoch end", "#c9b8ff"),
                         ("loss", "#ffb347")):  # the last two: the loss chart's marks and running mean
        named[what] = pv.Color(colour).int_rgb
    return {k: np.asarray(v, np.float64) for k, v in named.items()}


@pytest.fixture(scope="module")
def scene():
    _, spec, frame = trained_scene(TrainConfig(**SMALL), 5)
    return spec, frame


@pytest.mark.parametrize("highlight", ["layer:hidden.0", "wall"])
def test_the_highlight_is_drawn_in_a_hue_nothing_else_means(scene, highlight):
    """The highlight's colour is at least DISTINCT from every colour with a meaning (its green was 3 from the
    gel's amplifying green and 11 from the true word's), and the box, found on screen as the pixels that change
    when it is drawn, shows in that colour."""
    from cube_viz.render.cube import CubeView
    from cube_viz.render.view import grab, offscreen_plotter, set_camera

    spec, frame = scene
    plotter = offscreen_plotter((640, 360), "preview")  # no anti-aliasing: the box's own colour on screen
    try:
        view = CubeView(plotter, spec, text_scale=360 / 1080)
        set_camera(plotter, spec.lattice, "iso")
        view.update(frame)
        bare = grab(plotter).astype(int)
        view.update(replace(frame, highlight=highlight))
        boxed = grab(plotter).astype(int)
        drawn = np.asarray(view["highlight"].actors[0].GetProperty().GetColor()) * 255
    finally:
        plotter.close()
    changed = np.abs(boxed - bare).max(axis=2) > 40
    assert changed.sum() > 200, "the highlight is not drawn"
    near = {what: float(np.linalg.norm(lab(drawn) - lab(colour))) for what, colour in meanings().items()}
    closest = min(near, key=near.get)
    assert near[closest] >= DISTINCT, f"the highlight's colour is {near[closest]:.0f} from the {closest}'s"
    on_screen = np.median(boxed[changed], axis=0)  # (3,) glass and words lie over parts of it
    assert np.linalg.norm(lab(on_screen) - lab(drawn)) < 10, f"the box is drawn {on_screen}, not {drawn}"


def test_the_largest_updates_swell_in_their_own_colour():
    """Mid-turn, the plates among their set's largest 1% of updates or changing sign (the cycle's glint) are
    drawn SWELL x their side, every other plate at its own, and each in the colour it has when not marked:
    painted white (before) they read as the key light's glint and lost their value's colour. The legend
    says so in the same numbers."""
    from cube_viz.anim.cycle import GLINT_TOP, StepCycle
    from cube_viz.render.cube import CubeView
    from cube_viz.render.elements.plates import SWELL
    from cube_viz.render.view import offscreen_plotter
    from cube_viz.scene.frame import CubeSpec
    from cube_viz.scene.legend import legend_text
    from cube_viz.sim.trainer import Trainer

    t = Trainer.from_config(TrainConfig(**SMALL))
    for _ in range(30):
        t.step()
    before, after = t.snapshot(), t.step(capture=True)
    spec = CubeSpec.build(t.initial_parameters(), t.dataset.vocab.words)
    cycle = StepCycle(spec, before, after)
    frame = next(f for u in np.linspace(0.3, 0.9, 25) if (f := cycle.frame(float(u))).motion.reflectors.glint.any()
                 and f.motion.biases.glint.any())
    plotter = offscreen_plotter((320, 180), "preview")
    try:
        view = CubeView(plotter, spec)
        view.update(frame)
        drawn = {kind: (np.asarray(view[kind].mesh.points).reshape(-1, 4, 3).copy(),
                        np.asarray(view[kind].mesh.point_data["rgb"])[::4].copy()) for kind in ("reflectors", "biases")}
        motion = frame.motion
        unmarked = {kind: replace(getattr(motion, kind), glint=np.zeros_like(getattr(motion, kind).glint))
                    for kind in ("reflectors", "biases")}
        view.update(replace(frame, motion=replace(motion, **unmarked)))
        plain = {kind: np.asarray(view[kind].mesh.point_data["rgb"])[::4].copy() for kind in ("reflectors", "biases")}
        own = {kind: view[kind].sides for kind in ("reflectors", "biases")}
    finally:
        plotter.close()
    for kind, (corners, rgb) in drawn.items():
        marked = getattr(motion, kind).glint
        side = np.linalg.norm(corners[:, 1] - corners[:, 0], axis=1)  # (N,) along the tilt axis
        np.testing.assert_allclose(side[marked], SWELL * own[kind][marked], rtol=1e-4, err_msg=kind)
        np.testing.assert_allclose(side[~marked], own[kind][~marked], rtol=1e-4, err_msg=kind)
        np.testing.assert_array_equal(rgb, plain[kind], err_msg=f"{kind}: a marked plate changes colour")
    legend = legend_text(("reflectors",), (1.0, False)).replace("\u00a0", " ")  # no-break spaces as spaces
    line = next(line for line in legend.splitlines() if "sign flip" in line)
    assert f"{SWELL:g}x larger" in line and f"{GLINT_TOP:.0%}" in line, line


def test_each_attention_head_has_a_hue_nothing_else_means():
    """The transformer's heads: each head's hue at least DISTINCT - 5 from every other colour with a meaning, the
    highlight and the other heads included (5 short of DISTINCT: three more such hues do not exist)."""
    from cube_viz.scene import palette as p

    others = {**meanings(), "highlight": p.HIGHLIGHT}
    for h, hue in enumerate(p.HEADS):
        near = {what: float(np.linalg.norm(lab(hue) - lab(c))) for what, c in
                {**others, **{f"head {g + 1}": p.HEADS[g] for g in range(len(p.HEADS)) if g != h}}.items()}
        closest = min(near, key=near.get)
        assert near[closest] >= DISTINCT - 5, f"head {h + 1}'s hue is {near[closest]:.0f} from the {closest}'s"
