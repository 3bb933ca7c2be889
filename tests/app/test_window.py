"""The desktop window under Xvfb (pytest-xvfb starts it; pytest-qt drives it)."""

import collections
import os
import subprocess
import sys
import time
from html import escape

import imageio.v2 as imageio
import imageio.v3 as iio
import numpy as np
import pytest
import torch
import vtk

pytest.importorskip("pytestqt")
from qtpy import QtCore, QtGui, QtWidgets

from cube_viz.app.window import AppOptions, CubeWindow
from cube_viz.app.worker import TrainingWorker
from cube_viz.sim.corpus import Vocab, encode_prompt
from cube_viz.sim.model import build_model
from tests.app.conftest import FAST
from tests.conftest import SMALL
from tests.render.imagecheck import assert_not_blank


@pytest.fixture
def window(qtbot):
    worker = TrainingWorker(dict(SMALL), steps_per_second=200)
    win = CubeWindow(worker, AppOptions(size=(1200, 800)))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def press(win, key: str) -> None:
    """What the window's shortcut for `key` does (Xvfb has no window manager to make the window active, and
    Qt sends key shortcuts to the active window only)."""
    shortcuts = [s for s in win.findChildren(QtGui.QShortcut) if s.key().toString() == key]
    assert len(shortcuts) == 1, f"no shortcut {key}"
    shortcuts[0].activated.emit()


def steps(win) -> int:
    return 0 if win.published is None else win.published.step


def model_of(win, snapshot):
    """A torch model holding exactly the weights of a published snapshot (the oracle for the window)."""
    model = build_model(len(win.spec.vocab), SMALL["context"], SMALL["embed"], SMALL["hidden"], "tanh", 0)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(snapshot.params.flat.copy()), model.parameters())
    return model


def display(win, point) -> np.ndarray:
    """(x, y) display pixels (VTK's, origin bottom left) of a world point in the window's view."""
    coordinate = vtk.vtkCoordinate()
    coordinate.SetCoordinateSystemToWorld()
    coordinate.SetValue(*map(float, point))
    return np.array(coordinate.GetComputedDisplayValue(win.plotter.renderer))


def click(qtbot, win, xy) -> None:
    """A left click on the view at display pixels xy (Qt's widget coordinates are top-left, unscaled)."""
    ratio = win.plotter.devicePixelRatioF()
    pos = QtCore.QPoint(round(xy[0] / ratio), round(win.plotter.height() - xy[1] / ratio))
    qtbot.mouseClick(win.plotter, QtCore.Qt.LeftButton, pos=pos)


def test_window_opens_and_trains(qtbot, window):
    qtbot.waitUntil(lambda: steps(window) > 20 and window.frame is not None and window.frame.step > 0, timeout=10000)
    assert "cube-viz — step" in window.windowTitle()
    assert window.frames_drawn > 0
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # paused: the losses stop changing
    qtbot.waitUntil(lambda: not window.published.playing and window.frame.step == window.published.step,
                    timeout=5000)
    qtbot.wait(600)  # the loss chart redraws at most 4 times a second, and the still window once more for it
    chart, last = window.view["chart"].chart, float(window.published.losses[-1])
    lo, hi = chart.chart.y_range
    assert chart.raw.y[-1] == pytest.approx(last) and lo <= last <= hi  # the chart shows the last loss


def test_text_and_lines_follow_the_view_height(qtbot, window):
    """The view keeps one composition at any window size, as stills of that height do: a view a third
    lower has text and rays a third smaller."""
    def sizes():
        view = window.view
        return (view["hud"].text.GetTextProperty().GetFontSize(), view["legend"].text.GetTextProperty().GetFontSize(),
                window.view["rays"].line_scale, window.plotter.height())  # the beams' widths in pixels, by it

    window.resize(1600, 1100)
    qtbot.waitUntil(lambda: sizes()[3] >= 1000, timeout=5000)
    hud, legend, rays, height = sizes()
    window.resize(1600, 700)
    qtbot.waitUntil(lambda: sizes()[3] <= 720, timeout=5000)
    small_hud, small_legend, small_rays, small_height = sizes()
    ratio = small_height / height
    assert ratio < 0.7
    assert small_hud == pytest.approx(hud * ratio, abs=1) and small_legend == pytest.approx(legend * ratio, abs=1)
    assert small_rays == pytest.approx(rays * ratio, rel=0.02)


def test_the_help_never_covers_the_hud_nor_another_overlay(qtbot, window):
    """H puts the key table where the overlays' layout keeps room for it: below the HUD, inside the view,
    and the legend, chart and captions give way to it."""
    from cube_viz.render.elements.base import text_box
    from cube_viz.scene.overlay_layout import meet

    qtbot.waitUntil(lambda: window.frame is not None and window.frames_drawn > 2, timeout=10000)
    press(window, "H")
    ratio, view, help_ = window.plotter.devicePixelRatioF(), window.view, window._help

    def help_box():  # display pixels (origin at the view's lower left) of the help widget
        at = window.plotter.mapFrom(window, help_.pos())
        top = (window.plotter.height() - at.y()) * ratio
        return at.x() * ratio, top - help_.height() * ratio, (at.x() + help_.width()) * ratio, top

    def drawn():
        renderer, boxes = window.plotter.renderer, {}
        for name, actor in (("hud", view["hud"].text), ("legend", view["legend"].text),
                            ("captions", view["captions"].text), ("banner", view["hud"].banner)):
            if actor.GetVisibility() and actor.GetInput():
                left, right, bottom, top = text_box(actor, renderer)
                boxes[name] = (left, bottom, right, top)
        chart = view["chart"].box()
        if chart is not None:
            boxes["chart"] = (chart[0], chart[2], chart[1], chart[3])
        return boxes

    qtbot.waitUntil(lambda: help_.isVisible() and "help" in view.overlays.placed
                    and abs(help_box()[3] - view.overlays.placed["help"].box[3]) <= 2 * ratio, timeout=5000)
    box, boxes = help_box(), drawn()
    assert "hud" in boxes and box[3] <= boxes["hud"][1]  # below the HUD
    assert box[0] >= 0 and box[1] >= 0 and box[2] <= window.plotter.width() * ratio  # inside the view
    for name, other in boxes.items():
        assert not meet(box, other), f"the help {box} covers the {name} {other}"
    press(window, "H")
    qtbot.waitUntil(lambda: not help_.isVisible() and "help" not in view.overlays.placed, timeout=5000)


def test_f11_presents_the_cube_alone_full_screen_and_back(qtbot, window):
    width = window.plotter.width()
    press(window, "F11")
    qtbot.waitUntil(lambda: window.isFullScreen() and not window.panel.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: window.plotter.width() > width, timeout=5000)  # the view takes the panel's place
    press(window, "F11")
    qtbot.waitUntil(lambda: not window.isFullScreen() and window.panel.isVisible(), timeout=5000)


def test_pause_stops_the_step_counter_and_step_advances_by_one(qtbot, window):
    qtbot.waitUntil(lambda: steps(window) > 5, timeout=10000)
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # pause
    assert window.panel.play_button.text() == "Play"
    qtbot.waitUntil(lambda: not window.published.playing, timeout=5000)  # the paused model has arrived
    paused = steps(window)
    qtbot.waitUntil(lambda: not window.director.moving and not window.view["chart"].pending,  # an epoch's
                    timeout=3000)  # banner, if any, has gone, and the chart has drawn the last losses
    qtbot.wait(100)
    drawn = window.frames_drawn
    qtbot.wait(500)
    assert steps(window) == paused
    assert window.frames_drawn == drawn  # a still picture is not drawn again and again
    qtbot.mouseClick(window.panel.step_button, QtCore.Qt.LeftButton)  # one step, played as a full cycle
    qtbot.waitUntil(lambda: steps(window) == paused + 1, timeout=5000)
    qtbot.wait(500)
    assert steps(window) == paused + 1
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.step == paused + 1, timeout=5000)


def test_prompt_box_shows_the_models_prediction(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)
    qtbot.wait(200)
    window.panel.prompt.setText("the dogs eat")
    qtbot.keyClick(window.panel.prompt, "\r")
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.prompt == "the dogs eat", timeout=5000)
    ids = encode_prompt(Vocab(list(window.spec.vocab)), "the dogs eat", SMALL["context"])
    with torch.no_grad():
        expected = torch.softmax(model_of(window, window.published.snapshot)(torch.tensor(ids)[None])[0], -1).numpy()
    np.testing.assert_allclose(window.frame.probs, expected, rtol=1e-5, atol=1e-8)
    window.panel.prompt.setText("zzz qqq")
    qtbot.keyClick(window.panel.prompt, "\r")
    qtbot.waitUntil(lambda: "no word the model knows" in window.panel.status.text(), timeout=5000)


def test_a_prompt_typed_while_scrubbing_history_is_answered_live(qtbot, window):
    qtbot.waitUntil(lambda: len(window.director.history) > 5, timeout=10000)
    window.scrub_to(2)
    window.panel.prompt.setText("the dogs eat")
    qtbot.keyClick(window.panel.prompt, "\r")
    assert window.director.scrubbed is None
    qtbot.waitUntil(lambda: window.frame.prompt == "the dogs eat", timeout=5000)


def test_reset_ends_a_step_cycle_and_keeps_the_panels_prompt(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # pause
    qtbot.waitUntil(lambda: window.published is not None and not window.published.playing, timeout=5000)
    window.panel.prompt.setText("the dogs eat")
    qtbot.keyClick(window.panel.prompt, "\r")
    qtbot.waitUntil(lambda: window.frame.prompt == "the dogs eat", timeout=5000)
    window.single_step()
    qtbot.waitUntil(lambda: window.director.cycle is not None, timeout=5000)  # the step's slow cycle plays ...
    window.reset()  # ... and the reset model replaces it at once
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.step == 0 and window.published.step == 0,
                    timeout=10000)
    qtbot.waitUntil(lambda: window.frame.prompt == "the dogs eat", timeout=5000)
    qtbot.wait(300)
    assert window.director.cycle is None and window.frame.step == 0
    assert window.panel.play_button.text() == "Play"


def test_the_knock_out_controls_follow_the_picture(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # pause
    qtbot.waitUntil(lambda: window.published is not None and not window.published.playing, timeout=5000)
    window.panel.knockout.setValue(40)
    qtbot.waitUntil(lambda: window.frame.knocked is not None, timeout=5000)
    window.single_step()  # trains the intact model: the damaged view ends, and the controls say so
    qtbot.waitUntil(lambda: window.published.knocked is None, timeout=5000)
    qtbot.waitUntil(lambda: window.panel.knockout.value() == 0, timeout=3000)
    assert window.panel.knockout_label.text() == "knock out reflectors: none"
    window.panel.knockout.setValue(30)
    qtbot.waitUntil(lambda: window.frame.knocked is not None, timeout=5000)
    window.toggle_play()
    assert window.panel.knockout.value() == 0 and window.panel.knockout_label.text() == "knock out reflectors: none"


def test_clicking_a_reflector_selects_it_and_shows_its_true_weight(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)
    qtbot.wait(300)
    lat = window.spec.lattice
    out = lat.slabs[-1]
    index = out.weights.start + 5 * out.cols + 7  # output layer, row 5, col 7: nearest the camera's side
    window.camera("front")
    cam = window.plotter.camera
    cam.position = np.asarray(lat.positions[index]) + np.array([0, -300.0, 0])  # look straight at it, zoomed in
    cam.focal_point = lat.positions[index]
    cam.parallel_scale = 6.0
    window.plotter.render()
    click(qtbot, window, display(window, lat.positions[index]))
    qtbot.waitUntil(lambda: window.director.selection is not None, timeout=3000)
    assert window.director.selection == ("reflector", index)
    assert window.view["selection"].actors[0].GetVisibility()  # marked in the view, around the plate
    mark = np.asarray(window.view["selection"].mesh.points)
    np.testing.assert_allclose(mark.mean(axis=0), lat.positions[index], atol=1e-4)
    weight = model_of(window, window.published.snapshot).out.weight[5, 7].item()
    assert f"{window.frame.reflectors.weight[index]:+.5f}" in window.panel.inspector.text()
    assert window.frame.reflectors.weight[index] == pytest.approx(weight, abs=1e-7)
    assert "output</b> row 5, col 7" in window.panel.inspector.text()
    assert f"hidden unit 7 → word “{window.spec.vocab[5]}”" in window.panel.inspector.text()
    recent = list(window.director.history)[-40:]  # paused: no new snapshots arrive
    expected = [model_of(window, s).out.weight[5, 7].item() for s in recent]
    np.testing.assert_allclose(window.panel.weight_history.values, expected, rtol=1e-6)
    assert window.panel.weight_history.isVisible()


def test_double_clicking_a_plate_flies_to_its_slabs_close_up(qtbot, window):
    from cube_viz.scene.camera import preset, resolve

    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # pause
    window.panel.toggles["wall"].setChecked(False)  # from the front the wall's words lie over the plates
    window.camera("front")
    window.plotter.render()
    lat = window.spec.lattice
    embed = lat.slabs[0]
    index = embed.weights.start + embed.cols * 3 + 1  # the embedding's slab stands nearest the front
    xy = display(window, lat.positions[index])
    ratio = window.plotter.devicePixelRatioF()
    qtbot.mouseDClick(window.plotter, QtCore.Qt.LeftButton,
                      pos=QtCore.QPoint(round(xy[0] / ratio), round(window.plotter.height() - xy[1] / ratio)))
    qtbot.waitUntil(lambda: window.flight is not None, timeout=3000)
    qtbot.waitUntil(lambda: window.flight is None, timeout=5000)
    size = window.plotter.window_size
    end = resolve(lat, preset(f"slab:{embed.name}"), size[0] / size[1])
    cam = window.plotter.camera
    assert cam.parallel_scale == pytest.approx(end.half_height)
    np.testing.assert_allclose(cam.focal_point, end.focus, atol=1e-6 * lat.half_width)
    planes = window.view["reflectors"].actors[0].GetMapper().GetClippingPlanes()
    assert [planes.GetItem(i).GetOrigin()[1] for i in range(2)] == pytest.approx(list(end.cut))
    window.camera("iso")  # a preset opens the whole cube again
    assert planes.GetNumberOfItems() == 0


def test_clicking_a_wall_word_shows_its_probability_and_rank(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: window.published is not None and not window.published.playing
                    and window.frame is not None and window.frame.step == window.published.step, timeout=5000)
    window.plotter.render()
    plates = np.array([display(window, p) for p in window.spec.lattice.positions[::97]])
    lo, hi = plates.min(axis=0), plates.max(axis=0)
    inside = [((lo <= display(window, p)) & (display(window, p) <= hi)).all() for p in window.spec.wall.positions]
    ids = encode_prompt(Vocab(list(window.spec.vocab)), window.frame.prompt, SMALL["context"])
    with torch.no_grad():
        probs = torch.softmax(model_of(window, window.published.snapshot)(torch.tensor(ids)[None])[0], -1).numpy()
    for word in (inside.index(False), inside.index(True)):  # a word beside the cube, one drawn over its slabs
        click(qtbot, window, display(window, window.spec.wall.positions[word]))
        qtbot.waitUntil(lambda w=word: f"(id {w})" in window.panel.inspector.text(), timeout=3000)
        text = window.panel.inspector.text()
        assert window.director.selection == ("word", word)
        assert f"“{escape(window.spec.vocab[word])}” (id {word})" in text
        assert f"probability {probs[word]:.3g}, rank {int((probs > probs[word]).sum()) + 1} of {len(probs)}" in text


def test_clicking_a_bias_shows_its_true_value(qtbot, window):
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: window.published is not None and not window.published.playing
                    and window.frame is not None and window.frame.step == window.published.step, timeout=5000)
    lat = window.spec.lattice
    out = lat.slabs[-1]
    index = out.bias.start + 5  # the bias of output word 5
    window.panel.toggles["wall"].setChecked(False)  # from the front the wall's words lie over it, picked first
    window.camera("front")
    cam = window.plotter.camera  # from between the last hidden slab and the output slab: the bias in front
    gap = out.y - lat.slabs[-2].y
    cam.position = np.asarray(lat.bias_positions[index]) + np.array([0, -gap / 2, 0])
    cam.focal_point = lat.bias_positions[index]
    cam.parallel_scale = 6.0
    cam.clipping_range = (0.01, 4 * gap)  # the slabs behind the camera are not drawn (nor picked)
    window.plotter.render()
    click(qtbot, window, display(window, lat.bias_positions[index]))
    qtbot.waitUntil(lambda: window.director.selection == ("bias", index), timeout=3000)
    bias = model_of(window, window.published.snapshot).out.bias[5].item()
    assert f"bias <b>{bias:+.5f}</b>" in window.panel.inspector.text()
    assert f"bias of word “{window.spec.vocab[5]}”" in window.panel.inspector.text()
    assert window.panel.weight_history.title.startswith("bias")
    np.testing.assert_allclose(np.asarray(window.view["selection"].mesh.points).mean(axis=0), lat.bias_positions[index],
                               atol=1e-4)


def test_knock_out_control_shows_the_damaged_model_and_restores(qtbot, window):
    qtbot.waitUntil(lambda: steps(window) > 20, timeout=10000)
    qtbot.mouseClick(window.panel.play_button, QtCore.Qt.LeftButton)  # pause
    qtbot.waitUntil(lambda: not window.published.playing, timeout=5000)
    intact = window.published.snapshot.params.flat.copy()
    window.panel.knockout.setValue(50)
    assert window.panel.knockout_label.text() == "knock out reflectors: 50%"
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.knocked is not None, timeout=5000)
    knocked = window.frame.knocked
    assert knocked.sum() == round(0.5 * knocked.size)
    assert np.all(window.frame.reflectors.weight[knocked] == 0)
    damaged = window.published.snapshot
    ids = damaged.probe.context_ids
    with torch.no_grad():  # the wall is the damaged model's prediction
        expected = torch.softmax(model_of(window, damaged)(torch.tensor(ids)[None])[0], -1).numpy()
    np.testing.assert_allclose(window.frame.probs, expected, rtol=1e-5, atol=1e-8)
    window.panel.knockout.setValue(0)
    qtbot.waitUntil(lambda: window.frame.knocked is None, timeout=5000)
    np.testing.assert_array_equal(window.published.snapshot.params.flat, intact)  # the model was never changed


def test_screenshot_is_a_non_blank_png_of_the_requested_size(qtbot, window, tmp_path):
    qtbot.waitUntil(lambda: window.frame is not None, timeout=5000)
    window.panel.shot_size.setCurrentText("1920x1080")
    path = window.save_screenshot(tmp_path / "shot.png")
    img = iio.imread(path)
    assert img.shape == (1080, 1920, 3)
    assert_not_blank(img)
    window.panel.shot_size.setCurrentText("window")
    window.panel.transparent.setChecked(True)
    img = iio.imread(window.save_screenshot(tmp_path / "win.png"))
    assert img.shape[2] == 4
    assert_not_blank(img)


def test_a_screenshot_at_a_chosen_size_is_the_view_as_the_user_left_it(qtbot, window, tmp_path):
    """The camera as turned, the elements hidden, the loss chart: not a fresh default view."""
    from cube_viz.render.snapshot_image import render_image
    from cube_viz.scene.camera import PRESETS, resolve

    qtbot.waitUntil(lambda: window.frame is not None and window.frame.step > 0, timeout=5000)
    window.toggle_play()
    qtbot.waitUntil(lambda: not window.published.playing, timeout=5000)
    qtbot.wait(300)  # the chart draws the paused run's losses
    window.camera("top")
    window.panel.toggles["rays"].setChecked(False)
    window.panel.shot_size.setCurrentText("1920x1080")
    shot = iio.imread(window.save_screenshot(tmp_path / "shot.png")).astype(float)
    size, (w, h) = (1920, 1080), window.plotter.window_size
    top = resolve(window.spec.lattice, PRESETS["top"], w / h)  # framed for the window: as its view shows it
    iso = render_image(window.spec, window.frame, size, "iso", hidden=["rays"]).astype(float)
    rays = render_image(window.spec, window.frame, size, top).astype(float)
    top = render_image(window.spec, window.frame, size, top, hidden=["rays"]).astype(float)
    cube = np.s_[:800, :1200]  # the loss chart sits at the lower right
    assert np.abs(shot[cube] - top[cube]).mean() < 0.2 * np.abs(shot[cube] - iso[cube]).mean()
    assert np.abs(shot[cube] - top[cube]).mean() < 0.2 * np.abs(shot[cube] - rays[cube]).mean()
    chart = np.s_[-250:-60, -580:-80]  # inside the chart: its axes and losses, where the cube render is dark
    bare = render_image(window.spec, window.frame, size, "top", hidden=["rays", "chart"]).astype(float)
    assert np.abs(shot[chart] - bare[chart]).mean() > 10


def test_timeline_scrubs_back_through_history_while_training_goes_on(qtbot, window):
    window.director.history = collections.deque(maxlen=30)  # a short ring buffer, full within a second
    qtbot.waitUntil(lambda: len(window.director.history) == 30, timeout=10000)
    old = window.director.history[5]
    window.director.selection = ("reflector", 7)  # a reflector in the inspector
    window.panel.timeline.setValue(5)
    window.panel.timeline.sliderMoved.emit(5)  # as a drag of the slider does
    assert window.frame.step == old.step
    flat = window.spec.lattice.param_index[7]
    history = window.director.history
    np.testing.assert_array_equal(window.panel.weight_history.values, [s.params.flat[flat] for s in list(history)[:6]])
    np.testing.assert_array_equal(window.frame.reflectors.weight[:50],
                                  old.params.flat[window.spec.lattice.param_index[:50]])
    cursor = window.view["chart"].chart.cursor
    assert cursor.visible and cursor.x[0] == old.step  # marked on the loss chart
    assert window.view["hud"].banner.GetInput().startswith(f"HISTORY: step {old.step}")  # and said in the view
    trained = steps(window)
    qtbot.waitUntil(lambda: steps(window) > trained + 20, timeout=5000)  # training goes on
    assert window.frame.step == old.step  # while the view stays in the past
    scrubbed = window.director.scrubbed
    assert history[scrubbed] is old and window.panel.timeline.value() == scrubbed < 5  # though it moved
    window.go_live()
    qtbot.waitUntil(lambda: window.frame.step > trained, timeout=5000)
    window.toggle_play()  # paused, no snapshots come: End still brings the present back at once
    qtbot.waitUntil(lambda: not window.worker.playing and window.published.playing is False, timeout=5000)
    window.scrub_to(3)
    assert window.view["hud"].banner.GetInput().startswith("HISTORY")
    window.go_live()
    assert window.frame.step == window.published.step and not window.view["hud"].banner.GetInput().startswith("HISTORY")
    assert not window.view["chart"].chart.cursor.visible
    assert not window.view["hud"].banner.GetInput().startswith("HISTORY")


def test_record_button_writes_an_mp4_of_the_view_that_plays_in_real_time(qtbot, window, tmp_path, monkeypatch):
    """Each view fills as many 30 fps frames as its clock says it took: a movie as long as the recording,
    however slow the frames (the clock is the test's here, so the count is exact)."""
    monkeypatch.chdir(tmp_path)  # the movie is written to the working folder
    qtbot.waitUntil(lambda: window.frame is not None, timeout=5000)
    qtbot.mouseClick(window.panel.record_button, QtCore.Qt.LeftButton)
    now = [100.0]
    window.movie.clock, window.movie.start = (lambda: now[0]), now[0]
    for seconds in (0.125, 0.25, 0.5, 1.0, 0.0625, 0.0625):  # six views, slow and fast, 2 s in all
        now[0] += seconds
        window.movie.record(window.plotter)
    qtbot.mouseClick(window.panel.record_button, QtCore.Qt.LeftButton)
    (path,) = tmp_path.glob("cube-viz-*.mp4")
    with imageio.get_reader(path) as reader:
        fps = reader.get_meta_data()["fps"]
        frames = [frame for frame in reader]  # (list() would ask the reader its length: inf)
    w, h = window.plotter.ren_win.GetSize()
    assert frames[-1].shape == (h - h % 2, w - w % 2, 3)  # H.264 needs even sizes
    assert_not_blank(frames[-1])
    assert fps == 30 and len(frames) == round(2.0 * 30) + 1  # the first view's frame, then 2 s of them
    assert f"{len(frames) / fps:.1f} s" in window.panel.status.text()


def test_the_screenshot_button_writes_a_new_png_each_time(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    qtbot.waitUntil(lambda: window.frame is not None, timeout=5000)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.published.playing is False, timeout=5000)
    button = next(b for b in window.panel.findChildren(QtWidgets.QPushButton) if b.text() == "Screenshot")
    qtbot.mouseClick(button, QtCore.Qt.LeftButton)
    qtbot.mouseClick(button, QtCore.Qt.LeftButton)  # the same step: a second file, not the first overwritten
    shots = sorted(tmp_path.glob("cube-viz-step*.png"))
    assert len(shots) == 2
    for p in shots:
        assert_not_blank(iio.imread(p))


def test_exit_after_and_screenshot_on_exit(tmp_path):
    shot, ckpt = tmp_path / "exit.png", tmp_path / "m.pt"
    r = subprocess.run([sys.executable, "-m", "cube_viz", "run", *FAST, "--exit-after", "3",
                        "--screenshot-on-exit", str(shot), "--save", str(ckpt)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-1000:]
    assert_not_blank(iio.imread(shot))
    assert torch.load(ckpt, weights_only=True)["step"] > 0


def test_no_display_is_a_one_line_error():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "cube_viz"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "no display" in r.stderr and "cube-viz record" in r.stderr and "cube-viz screenshot" in r.stderr


def test_a_run_that_cannot_start_is_a_one_line_error_before_any_window():
    r = subprocess.run([sys.executable, "-m", "cube_viz", "run", *FAST, "--prompt", "zzz qqq", "--exit-after", "5"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["cube-viz: error: prompt 'zzz qqq' has no word the model knows"]


@pytest.mark.parametrize("flags, named", [
    (["--speed", "inf"], "--speed"), (["--speed", "5000"], "--speed"), (["--speed", "0"], "--speed"),
    (["--exit-after", "nan"], "--exit-after"), (["--exit-after", "1e10"], "--exit-after"),
    (["--screenshot-on-exit", "final"], "--screenshot-on-exit"), (["--lr", "-1"], "lr must be"),
])
def test_bad_window_flags_are_a_one_line_error(flags, named):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "cube_viz", *flags], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and named in r.stderr, r.stderr


def test_ctrl_c_in_the_terminal_closes_the_window_and_keeps_the_run(tmp_path):
    ckpt = tmp_path / "m.pt"
    app = subprocess.Popen([sys.executable, "-m", "cube_viz", "run", *FAST, "--exit-after", "90", "--save", str(ckpt)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "the window is open" in app.stdout.readline()
    time.sleep(2)  # training
    app.send_signal(subprocess.signal.SIGINT)
    out, err = app.communicate(timeout=60)
    assert app.returncode == 0 and "Traceback" not in err, err[-1000:]
    assert torch.load(ckpt, weights_only=True)["step"] > 0 and "checkpoint:" in out


def test_a_cycles_the_transformers_heads_out_and_back(qtbot):
    """A: head 1 of attention 1 knocked out (its columns of O drawn dark, at 0), then the next, ..., then none;
    the MLP has no heads and A does nothing there."""
    from tests.conftest import SMALL_TRANSFORMER

    worker = TrainingWorker(dict(SMALL_TRANSFORMER), steps_per_second=50, playing=False)
    win = CubeWindow(worker, AppOptions(size=(900, 600)))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        qtbot.waitUntil(lambda: win.frame is not None, timeout=10000)
        lat = win.spec.lattice
        o = lat.slab("blocks.0.attn.o")
        dh = o.cols // SMALL_TRANSFORMER["heads"]
        for head in range(SMALL_TRANSFORMER["layers"] * SMALL_TRANSFORMER["heads"]):
            press(win, "A")
            qtbot.waitUntil(lambda h=head: win.frame.knocked is not None and win.head_out == divmod(h, 2), timeout=5000)
            slab = lat.slab(f"blocks.{head // 2}.attn.o")
            knocked = np.zeros(len(lat.layer), bool)
            cols = lat.col[slab.weights]
            knocked[slab.weights] = (cols >= (head % 2) * dh) & (cols < (head % 2 + 1) * dh)
            qtbot.waitUntil(lambda k=knocked: np.array_equal(win.frame.knocked, k), timeout=5000)
            assert np.all(win.frame.reflectors.weight[knocked] == 0)
        press(win, "A")
        qtbot.waitUntil(lambda: win.frame.knocked is None and win.head_out is None, timeout=5000)
    finally:
        win.close()
