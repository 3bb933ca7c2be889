"""The desktop window: the cube learning live, with controls, a prompt box, history and an inspector.

Qt and VTK are touched on the GUI thread only: a QTimer takes the newest snapshot from the training
worker and hands it to the director, whose frame at the wall clock's t updates the actors in place.
"""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass
from pathlib import Path

from pyvistaqt import QtInteractor
from qtpy import QtCore, QtWidgets

from cube_viz.anim.director import Director
from cube_viz.app.capture import WindowMovie, save_png, view_image
from cube_viz.app.flight import Flight
from cube_viz.app.keys import help_overlay, install_shortcuts
from cube_viz.app.panel import Panel
from cube_viz.app.paths import unused
from cube_viz.app.worker import TrainingWorker
from cube_viz.render.cube import CubeView
from cube_viz.render.native import native_render_window
from cube_viz.render.view import set_camera, setup
from cube_viz.scene.camera import PRESETS, preset
from cube_viz.scene.elements import TOGGLES
from cube_viz.scene.frame import CubeSpec, Frame
from cube_viz.scene.rays import PER_LAYER
from cube_viz.sim.protocol import (
    KnockOut,
    Pause,
    Play,
    Reset,
    SetHyperparameters,
    SetPrompt,
    SetSpeed,
    SilenceHead,
    Step,
)

TICK_MS = 33
MIN_TEXT_SCALE = 0.6  # the HUD at 17 px, the legend at 13 px
CHART_SECONDS = 0.25  # the loss chart is redrawn at most 4 times a second (a redraw costs ~10 ms)


@dataclass(frozen=True)
class AppOptions:
    exit_after: float | None = None
    screenshot_on_exit: Path | None = None
    size: tuple[int, int] = (1600, 960)
    rays: int = PER_LAYER  # beams per slab (--rays)
    every_position: bool = False  # the transformer: every word's attention drawn (--every-position)


class CubeWindow(QtWidgets.QMainWindow):
    def __init__(self, worker: TrainingWorker, options: AppOptions):
        super().__init__()
        self.worker, self.options = worker, options
        self.spec = CubeSpec.build(worker.info.initial, worker.info.vocab, options.rays,
                                   every_position=options.every_position)
        self.director = Director(self.spec)  # the mode, history, selection and hidden elements: what to show at t
        self.published = None  # the newest Published from the training process
        self.frame: Frame | None = None
        self.movie: WindowMovie | None = None
        self._worker_gone = False  # the training process died (said once)
        self.frames_drawn = 0
        self._before_presenting = QtCore.Qt.WindowNoState  # the window's state before F11
        self.resize(*options.size)

        # lighting="none": setup() adds the one headlight the offscreen renders use; pyvista's five-light kit
        # on top of it cost ~30 ms a frame on software GL and lit the window differently from the stills
        self.plotter = QtInteractor(self, off_screen=False, auto_update=False, multi_samples=0, lighting="none",
                                    **native_render_window())
        setup(self.plotter, "preview")
        self.render_seconds: collections.deque = collections.deque(maxlen=200)  # recent VTK render times
        self.plotter.ren_win.AddObserver("StartEvent", self._render_started)
        self.plotter.ren_win.AddObserver("EndEvent", self._render_ended)
        self.view = CubeView(self.plotter, self.spec, text_scale=self._text_scale())
        # the live view gives up VTK's 4x anisotropic filtering of the words (sharper only where the wall is
        # seen at a grazing angle, as from the side) for ~11 ms a frame on software GL at 1296x960
        self.view["wall"].actor.GetTexture().SetMaximumAnisotropicFiltering(1.0)
        self.view["chart"].min_seconds = CHART_SECONDS
        set_camera(self.plotter, self.spec.lattice, "iso")

        info = worker.info
        self.panel = Panel(self, worker.steps_per_second, info.lr, info.weight_decay, self.director.history.maxlen)
        splitter = QtWidgets.QSplitter()
        for i, (widget, stretch) in enumerate(((self.plotter, 4), (self.panel, 1))):
            splitter.addWidget(widget)
            splitter.setStretchFactor(i, stretch)
        self.setCentralWidget(splitter)
        cameras = {key: (lambda c=c: self.camera(c)) for key, c in zip("1234", PRESETS, strict=True)}
        self._escape = install_shortcuts(self, {
            "Space": self.toggle_play, "N": self.single_step, "+ =": lambda: self._nudge_speed(10),
            "-": lambda: self._nudge_speed(-10), "R": self.reset, "End": self.go_live,
            "S": lambda: self.save_screenshot(), "M": self.toggle_movie, "H F1": self.toggle_help,
            "F11": self.toggle_presenting, "A": self.next_head_out, **cameras,
            **{e.key: (lambda n=e.name: self.panel.toggles[n].toggle()) for e in TOGGLES}})
        self._help = help_overlay(self)
        self.plotter.ren_win.AddObserver("EndEvent", self._place_help)  # where the overlays' layout left room
        self._pick_from = None
        self.flight: Flight | None = None  # the camera flying to a slab's close-up (double click)
        self.head_out: tuple[int, int] | None = None  # the transformer's head knocked out (A), counted from 0
        self.plotter.iren.add_observer("LeftButtonPressEvent", self._on_press)
        self.plotter.iren.add_observer("LeftButtonReleaseEvent", self._on_release)
        self.plotter.iren.add_observer("ConfigureEvent", self._on_resize)  # the view was resized

        self.timer = QtCore.QTimer(self, timeout=self._tick)
        self.timer.start(TICK_MS)
        if options.exit_after is not None:
            QtCore.QTimer.singleShot(int(options.exit_after * 1000), self.close)

    # --- actions -------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        playing = not self.worker.playing
        if playing:
            self.panel.knockout_ended()  # playing trains the intact model
        self.worker.send(Play() if playing else Pause())
        self.panel.play_button.setText("Pause" if playing else "Play")

    def toggle_presenting(self) -> None:
        """Full screen with the panel hidden, for a projector: the cube alone, its text scaled to the screen;
        again (or Esc) back to the window as it was."""
        if self.isFullScreen():
            self.setWindowState(self._before_presenting)
        else:
            self._before_presenting = self.windowState()
            self.showFullScreen()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.WindowStateChange:  # also when the window manager ends full screen
            self.panel.setVisible(not self.isFullScreen())
            self._escape.setEnabled(self.isFullScreen())
        super().changeEvent(event)

    def single_step(self) -> None:
        self.worker.send(Step())
        self.panel.play_button.setText("Play")

    def knock_out(self, percent: int) -> None:
        self.panel.knockout_label.setText(f"knock out reflectors: {percent}%" if percent else
                                          "knock out reflectors: none")
        self.worker.send(KnockOut(percent / 100))
        self.panel.play_button.setText("Play")

    def next_head_out(self) -> None:
        """The transformer with its next attention head knocked out (layer by layer, head by head), after the last
        every head back; the MLP has none."""
        info = self.worker.info
        if not info.heads:
            return
        heads = [(layer, head) for layer in range(info.layers) for head in range(info.heads)]
        at = heads.index(self.head_out) + 1 if self.head_out in heads else 0
        self.head_out = heads[at] if at < len(heads) else None
        self.worker.send(SilenceHead(*(self.head_out or (-1, -1))))
        self.panel.play_button.setText("Play")

    def ask(self) -> None:
        """The prompt box's Enter: the current model's prediction for it, shown live (not in scrubbed history)."""
        self.worker.send(SetPrompt(self.panel.prompt.text()))
        if self.director.mode == "history":
            self.go_live()

    def set_speed(self, steps_per_second: float) -> None:
        self.worker.send(SetSpeed(steps_per_second))

    def send_hyperparameters(self, *_) -> None:
        self.worker.send(SetHyperparameters(self.panel.lr.value(), self.panel.wd.value()))

    def reset(self) -> None:
        """The run from its beginning (the seed's initial weights, or --checkpoint's), keeping what the panel
        says: the prompt typed, the learning rate and weight decay."""
        self.director.reset()  # the new run is shown live
        self.worker.send(Reset())
        self.send_hyperparameters()
        if self.panel.prompt.text().strip():
            self.worker.send(SetPrompt(self.panel.prompt.text()))

    def _nudge_speed(self, delta: int) -> None:
        self.panel.speed.setValue(min(100, max(0, self.panel.speed.value() + delta)))

    def camera(self, name: str) -> None:
        self.flight = None
        set_camera(self.plotter, self.spec.lattice, name)

    def show_element(self, name: str, on: bool) -> None:
        self.director.set_hidden(name, not on)
        self.view.set_visible(name, on)

    def toggle_help(self) -> None:
        """The key table over the view, where the overlays' layout keeps room for it: below the HUD, clear of
        the other overlays (which give way while it is up), over the cube if there is no room beside it."""
        on = not self._help.isVisible()
        ratio = self.plotter.devicePixelRatioF()
        self.view.overlays.request("help", (self._help.width() * ratio, self._help.height() * ratio) if on else None)
        self._help.setVisible(on)
        self._help.raise_()
        self.plotter.Render()  # laid out again with (or without) the help's room; _place_help moves it there

    def _place_help(self, *_) -> None:
        spot = self.view.overlays.placed.get("help")
        if spot is None or not self._help.isVisible():
            return
        ratio = self.plotter.devicePixelRatioF()
        left, _, _, top = spot.box  # display pixels, origin at the view's lower left
        at = self.plotter.mapTo(self, QtCore.QPoint(round(left / ratio), round(self.plotter.height() - top / ratio)))
        if at != self._help.pos():
            self._help.move(at)

    def scrub_to(self, index: int) -> None:
        self.director.scrub(index)
        self._show_now()

    def go_live(self) -> None:
        self.director.go_live()
        self.panel.timeline.setValue(self.panel.timeline.maximum())
        self._show_now()  # now, not at the next snapshot: a paused run sends none

    def save_screenshot(self, path: Path | None = None) -> Path | None:
        """A PNG of the view at the size chosen in the panel (default path: a new file in the current folder);
        None, with the reason in the status line, when there is nothing to draw yet or it cannot be written."""
        status = self.panel.status
        if self.frame is None:
            status.setText("screenshot: nothing drawn yet")
            return None
        path = path or unused(f"cube-viz-step{self.frame.step}", ".png")
        image = view_image(self.plotter, self.spec, self.frame, self.panel.shot_size.currentText(),
                           self.panel.transparent.isChecked(), self.director.hidden, self.director.marked())
        problem = save_png(path, image)
        status.setText(f"screenshot not saved: {problem}" if problem else f"screenshot: {path}")
        return None if problem else path

    def toggle_movie(self) -> None:
        if self.movie is None:
            self.movie = WindowMovie()
            self.panel.record_button.setText("Stop")
            self.panel.status.setText(f"recording {self.movie.path}")
        else:
            self.panel.status.setText(self.movie.close())
            self.movie = None
            self.panel.record_button.setText("Record")

    # --- the timer -----------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.flight is not None:
            if not self.flight.step(time.perf_counter()):
                self.flight = None
            self.plotter.Render()
        self._follow_training()
        if self.movie is not None:
            self.movie.record(self.plotter)

    def _follow_training(self) -> None:
        published, panel = self.worker.latest(), self.panel
        if published is None and not self.worker.process.is_alive() and not self._worker_gone:
            self._worker_gone = True
            panel.status.setText(f"training stopped: its process exited (code {self.worker.process.exitcode})")
        if published is not None:
            self.published = published
            panel.play_button.setText("Pause" if self.worker.playing else "Play")  # it pauses itself on divergence
            if published.knocked is None and published.commands == self.worker.sent:
                self.head_out = None  # a step, prompt or reset showed the intact model
                if panel.knockout.value():
                    panel.knockout_ended()
            if published.message:
                panel.status.setText(published.message)
            director = self.director
            director.receive(published, time.perf_counter(), self.worker.playing)
            panel.timeline.setRange(0, len(director.history) - 1)
            panel.timeline.setValue(len(director.history) - 1 if director.scrubbed is None else director.scrubbed)
        if self.director.mode != "history" and (published or self.director.moving or self.view["chart"].due):
            self._show_now()  # (a scrubbed view is drawn when the slider moves; a still one once)

    def _show_now(self) -> None:
        frame = self.director.frame_at(time.perf_counter())
        if frame is not None:
            self.draw(frame)

    def draw(self, frame: Frame) -> None:
        """The frame in the view, the inspector and the title."""
        self.frame = frame
        self.view.update(frame)
        self._inspect()
        if self.movie is None:  # (a recording window renders as it grabs the frame: see WindowMovie.record)
            self.plotter.Render()  # one render, in the next paint (a render() here would render twice)
        loss = "-" if math.isnan(frame.loss) else f"{frame.loss:.3f}"
        self.setWindowTitle(f"cube-viz — step {frame.step} · epoch {frame.epoch + 1} · loss {loss}")

    def _render_started(self, *_) -> None:
        self._render_start = time.perf_counter()

    def _render_ended(self, *_) -> None:
        self.render_seconds.append(time.perf_counter() - self._render_start)
        self.frames_drawn += 1

    # --- the view's size, picking and the inspector ----------------------------------------------
    def _text_scale(self) -> float:
        """Text and line sizes for the view's height, as in a still of that height: Qt's logical pixels,
        since VTK's dpi already enlarges text on a high-density screen. Never below MIN_TEXT_SCALE, where
        the legend and HUD would stop being legible."""
        return max(MIN_TEXT_SCALE, self.plotter.height() / 1080)

    def _on_resize(self, *_) -> None:
        scale = self._text_scale()
        self.view.rescale(scale, scale * self.plotter.devicePixelRatioF())  # line widths are in device pixels

    def _on_press(self, *_) -> None:
        self._pick_from = self.plotter.iren.get_event_position()
        if self.plotter.iren.interactor.GetRepeatCount():  # a double click
            self.fly_to_slab_at(*self._pick_from)

    def fly_to_slab_at(self, x: int, y: int) -> None:
        """Fly to the close-up of the slab whose reflector or bias is drawn at display position (x, y)."""
        hit = self.view.pick(x, y)
        if hit is not None and hit[0] in ("reflector", "bias"):
            lat = self.spec.lattice
            slab = lat.slabs[(lat.layer if hit[0] == "reflector" else lat.bias_layer)[hit[1]]]
            self.flight = Flight(self.plotter, lat, preset(f"slab:{slab.name}"), time.perf_counter())

    def _on_release(self, *_) -> None:
        x, y = self.plotter.iren.get_event_position()
        if self._pick_from is not None and abs(x - self._pick_from[0]) + abs(y - self._pick_from[1]) <= 4:
            self.pick(x, y)
        self._pick_from = None

    def pick(self, x: int, y: int) -> None:
        """Select the wall word, reflector, bias or beam under display position (x, y), VTK coordinates."""
        hit = self.view.pick(x, y)
        if hit is not None:
            self.select(hit[1], hit[0])

    def select(self, index: int, kind: str = "reflector") -> None:
        """Inspect a reflector, a bias or a wall word (`index` among its kind, lattice order or word id) and
        mark a plate in the view; the inspector follows it from frame to frame."""
        self.director.selection = (kind, index)
        self.view.mark(self.director.marked())
        self._inspect()
        self.plotter.Render()

    def _inspect(self) -> None:
        if self.director.selection is not None and self.frame is not None:
            self.panel.inspect(self.spec, self.frame, self.director.selection, self.director.recent(40))

    # --- closing -------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.timer.stop()
        try:
            if self.options.screenshot_on_exit is not None:
                self.save_screenshot(self.options.screenshot_on_exit)
                print(self.panel.status.text())
            if self.movie is not None:
                self.toggle_movie()
        finally:  # whatever happened above, training stops and --save is written
            message = self.worker.stop()  # the training process saves --save itself
            if message:
                print(message)
        self.plotter.close()
        super().closeEvent(event)
