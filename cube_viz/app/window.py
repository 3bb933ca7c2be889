"""The desktop window: the cube learning live, with controls, a prompt box, history and an inspector.

Qt and VTK are touched on the GUI thread only: a QTimer takes the newest snapshot from the training
worker, turns it into a frame and updates the actors in place.
"""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
from pyvistaqt import QtInteractor
from qtpy import QtCore, QtGui, QtWidgets

from cube_viz.anim.director import Director
from cube_viz.app.paths import unused
from cube_viz.app.sparkline import Sparkline
from cube_viz.app.worker import TrainingWorker
from cube_viz.render.cube import CubeView
from cube_viz.render.loss_chart import LossChart
from cube_viz.render.native import native_render_window
from cube_viz.render.view import grab, set_camera, setup
from cube_viz.scene.frame import CubeSpec, Frame
from cube_viz.scene.lattice import slab_title
from cube_viz.scene.wall import rank
from cube_viz.sim.protocol import KnockOut, Pause, Play, Reset, SetHyperparameters, SetPrompt, SetSpeed, Step

TICK_MS = 33
MOVIE_FPS = 30  # the Record button's movies play in real time at this rate
MIN_TEXT_SCALE = 0.6  # the HUD at 17 px, the legend at 13 px
CHART_SECONDS = 0.25  # the loss chart is redrawn at most 4 times a second (a redraw costs ~10 ms)
SHORTCUTS = [("Space", "play / pause"), ("N", "one step, played as a full cycle"), ("+ / -", "faster / slower"),
             ("R", "start the run again"), ("1 2 3 4", "camera iso / front / side / top"), ("Y", "rays"),
             ("G", "gel"), ("W", "waves"), ("B", "biases"), ("L", "wall"), ("E", "legend"), ("C", "loss chart"),
             ("End", "back to live after scrubbing history"), ("S", "screenshot"), ("M", "start / stop a movie"),
             ("F11", "present: full screen, the cube alone (F11 or Esc: back)"), ("H / F1", "this help"),
             ("click", "a plate or a word to inspect it")]


@dataclass(frozen=True)
class AppOptions:
    exit_after: float | None = None
    screenshot_on_exit: Path | None = None
    size: tuple[int, int] = (1600, 960)


class CubeWindow(QtWidgets.QMainWindow):
    def __init__(self, worker: TrainingWorker, options: AppOptions):
        super().__init__()
        self.worker, self.options = worker, options
        self.spec = CubeSpec.build(worker.info.initial, worker.info.vocab)
        self.director = Director(self.spec)  # the mode, history, selection and hidden elements: what to show at t
        self.published = None  # the newest Published from the training process
        self.frame: Frame | None = None
        self.movie = None
        self._worker_gone = False  # the training process died (said once)
        self._movie_start = 0.0  # when the movie began (perf_counter seconds)
        self.frames_drawn = 0
        self._before_presenting = QtCore.Qt.WindowNoState  # the window's state before F11
        self.resize(*options.size)

        # lighting="none": setup() adds the one headlight the offscreen renders use; pyvista's five-light kit
        # on top of it cost ~30 ms a frame on software GL and lit the window differently from the stills
        self.plotter = QtInteractor(self, off_screen=False, auto_update=False, multi_samples=0, lighting="none",
                                    **native_render_window())
        setup(self.plotter, "preview")
        self.render_seconds: collections.deque = collections.deque(maxlen=200)  # recent VTK render times
        self._render_start = 0.0
        self._chart_time = 0.0
        self.plotter.ren_win.AddObserver("StartEvent", self._render_started)
        self.plotter.ren_win.AddObserver("EndEvent", self._render_ended)
        self.view = CubeView(self.plotter, self.spec, text_scale=self._text_scale())
        # the live view gives up VTK's 4x anisotropic filtering of the words (sharper only where the wall is
        # seen at a grazing angle, as from the side) for ~11 ms a frame on software GL at 1296x960
        self.view.wall_actor.GetTexture().SetMaximumAnisotropicFiltering(1.0)
        self.chart = LossChart(self.plotter, len(self.spec.vocab), text_scale=self._text_scale())
        set_camera(self.plotter, self.spec.lattice, "iso")

        splitter = QtWidgets.QSplitter()
        splitter.addWidget(self.plotter)
        self.panel = self._panel()
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self._shortcuts()
        self._help = self._help_overlay()
        self._pick_from = None
        self.plotter.iren.add_observer("LeftButtonPressEvent", self._on_press)
        self.plotter.iren.add_observer("LeftButtonReleaseEvent", self._on_release)
        self.plotter.iren.add_observer("ConfigureEvent", self._on_resize)  # the view was resized

        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(TICK_MS)
        self.started = time.perf_counter()
        if options.exit_after is not None:
            QtCore.QTimer.singleShot(int(options.exit_after * 1000), self.close)

    # --- panel ---------------------------------------------------------------------------------
    def _panel(self) -> QtWidgets.QWidget:
        panel = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(panel)

        def button(text: str, tip: str, slot) -> QtWidgets.QPushButton:
            b = QtWidgets.QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        row = QtWidgets.QHBoxLayout()
        self.play_button = button("Pause", "play / pause training (Space)", self.toggle_play)
        row.addWidget(self.play_button)
        self.step_button = button("Step", "one step, played as a full cycle (N)", self.single_step)
        row.addWidget(self.step_button)
        row.addWidget(button("Reset", "start the run again: the seed's initial weights, or --checkpoint's (R)",
                             self.reset))
        layout.addLayout(row)

        form = QtWidgets.QFormLayout()
        self.speed = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.speed.setRange(0, 100)
        self.speed.setValue(self._speed_to_slider(self.worker.steps_per_second))
        self.speed.setToolTip("training steps per second (+ / -)")
        self.speed.valueChanged.connect(lambda v: self.worker.send(SetSpeed(self._slider_to_speed(v))))
        form.addRow("speed", self.speed)
        self.lr = self._spin(self.worker.info.lr, "learning rate, applied from the next step")
        self.wd = self._spin(self.worker.info.weight_decay, "weight decay: the stabilizing field responds")
        form.addRow("learning rate", self.lr)
        form.addRow("weight decay", self.wd)
        layout.addLayout(form)

        self.prompt = QtWidgets.QLineEdit()
        self.prompt.setPlaceholderText("type a prompt, press Enter")
        self.prompt.setToolTip("the wall shows the model's prediction for this prompt at once")
        self.prompt.returnPressed.connect(self._ask)
        layout.addWidget(QtWidgets.QLabel("prompt"))
        layout.addWidget(self.prompt)

        cams = QtWidgets.QHBoxLayout()
        for key, name in zip("1234", ("iso", "front", "side", "top"), strict=True):
            cams.addWidget(button(name, f"camera: {name} ({key})", lambda _=False, n=name: self.camera(n)))
        layout.addLayout(cams)

        self.toggles: dict[str, QtWidgets.QCheckBox] = {}
        grid = QtWidgets.QGridLayout()
        for i, (name, key) in enumerate((("rays", "Y"), ("gel", "G"), ("waves", "W"), ("biases", "B"),
                                         ("wall", "L"), ("legend", "E"), ("chart", "C"))):
            box = QtWidgets.QCheckBox(name)
            box.setChecked(True)
            box.setToolTip(f"show / hide the {name} ({key})")
            box.toggled.connect(lambda on, n=name: self.show_element(n, on))
            self.toggles[name] = box
            grid.addWidget(box, i // 2, i % 2)
        layout.addLayout(grid)

        knock = QtWidgets.QHBoxLayout()
        self.knockout = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.knockout.setRange(0, 90)
        self.knockout.setToolTip("knock out this % of the reflectors (set to 0): the wall shows the damaged "
                                 "model's prediction; training pauses, the model itself stays intact")
        self.knockout.valueChanged.connect(self.knock_out)
        knock.addWidget(self.knockout)
        knock.addWidget(button("Restore", "bring every knocked-out reflector back", lambda: self.knockout.setValue(0)))
        self.knockout_label = QtWidgets.QLabel("knock out reflectors: none")
        layout.addWidget(self.knockout_label)
        layout.addLayout(knock)

        layout.addWidget(QtWidgets.QLabel("history"))
        hist = QtWidgets.QHBoxLayout()
        self.timeline = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.timeline.setRange(0, 0)
        self.timeline.setToolTip(f"scrub back through the last {self.director.history.maxlen} snapshots; "
                                 "training goes on")
        self.timeline.sliderMoved.connect(self.scrub_to)
        hist.addWidget(self.timeline)
        hist.addWidget(button("Live", "back to the present (End)", self.go_live))
        layout.addLayout(hist)

        self.inspector = QtWidgets.QLabel("click a plate or a word to inspect it")
        self.inspector.setWordWrap(True)
        self.inspector.setTextFormat(QtCore.Qt.RichText)
        self.inspector.setMinimumHeight(110)
        self.inspector.setAlignment(QtCore.Qt.AlignTop)
        layout.addWidget(self.inspector)
        self.weight_history = Sparkline("weight (last 40)", "#ffb347")
        self.update_history = Sparkline("update (last 40)", "#7fd8ff")
        layout.addWidget(self.weight_history)
        layout.addWidget(self.update_history)
        self._show_histories(False)  # until a reflector is selected

        layout.addWidget(QtWidgets.QLabel("screenshot size"))
        shots = QtWidgets.QHBoxLayout()
        self.shot_size = QtWidgets.QComboBox()
        self.shot_size.addItems(["window", "1920x1080", "3840x2160"])
        self.shot_size.setToolTip("window: this view as it is; the others are rendered offscreen at that size")
        self.transparent = QtWidgets.QCheckBox("transparent")
        self.transparent.setToolTip("screenshots with a transparent background (PNG alpha), for slides")
        shots.addWidget(self.shot_size)
        shots.addWidget(self.transparent)
        layout.addLayout(shots)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(button("Screenshot", "save a PNG of this view (S)", lambda: self.save_screenshot()))
        self.record_button = button("Record", "start / stop an MP4 of the view (M)", self.toggle_movie)
        row.addWidget(self.record_button)
        row.addWidget(button("Help", "keyboard shortcuts (H)", self.toggle_help))
        layout.addLayout(row)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        panel.setMinimumWidth(300)
        return panel

    def _spin(self, value: float, tip: str) -> QtWidgets.QDoubleSpinBox:
        spin = QtWidgets.QDoubleSpinBox()
        spin.setDecimals(5)
        spin.setRange(0.0, 10.0)
        spin.setSingleStep(0.0005)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)  # a value when typing ends, not one per keystroke
        spin.valueChanged.connect(self._send_hyper)
        return spin

    def _send_hyper(self, *_) -> None:
        self.worker.send(SetHyperparameters(self.lr.value(), self.wd.value()))

    @staticmethod
    def _slider_to_speed(v: int) -> float:
        return 10 ** (v / 100 * 3)  # 1 .. 1000 steps/s, logarithmic

    @staticmethod
    def _speed_to_slider(speed: float) -> int:
        return round(math.log10(max(1.0, speed)) / 3 * 100)

    def _shortcuts(self) -> None:
        keys = {"Space": self.toggle_play, "N": self.single_step, "+": lambda: self._nudge_speed(10),
                "=": lambda: self._nudge_speed(10), "-": lambda: self._nudge_speed(-10), "R": self.reset,
                "1": lambda: self.camera("iso"), "2": lambda: self.camera("front"), "3": lambda: self.camera("side"),
                "4": lambda: self.camera("top"), "End": self.go_live, "S": lambda: self.save_screenshot(),
                "M": self.toggle_movie, "H": self.toggle_help, "F1": self.toggle_help, "F11": self.toggle_presenting}
        for name, key in (("rays", "Y"), ("gel", "G"), ("waves", "W"), ("biases", "B"), ("wall", "L"),
                          ("legend", "E"), ("chart", "C")):
            keys[key] = lambda n=name: self.toggles[n].toggle()
        for key, slot in keys.items():
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.setContext(QtCore.Qt.ApplicationShortcut)
            shortcut.activated.connect(slot)
        self._escape = QtGui.QShortcut(QtGui.QKeySequence("Escape"), self)  # only while presenting (changeEvent):
        self._escape.activated.connect(self.toggle_presenting)  # Esc keeps its meaning in the panel's boxes
        self._escape.setEnabled(False)

    def _help_overlay(self) -> QtWidgets.QLabel:
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        label = QtWidgets.QLabel(f"<h3>cube-viz: keys</h3><table>{rows}</table>", self)
        label.setStyleSheet("background: rgba(10,14,24,225); color: #f0f4ff; padding: 18px; border-radius: 8px;"
                            "font-size: 15px;")
        label.adjustSize()
        label.move(40, 110)  # below the HUD's three lines
        label.hide()
        return label

    # --- actions -------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        playing = self.play_button.text() == "Play"
        if playing:
            self._knockout_ended()  # playing trains the intact model
        self.worker.send(Play() if playing else Pause())
        self.play_button.setText("Pause" if playing else "Play")

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
        self.play_button.setText("Play")

    def knock_out(self, percent: int) -> None:
        self.knockout_label.setText(f"knock out reflectors: {percent}%" if percent else "knock out reflectors: none")
        self.worker.send(KnockOut(percent / 100))
        self.play_button.setText("Play")

    def _ask(self) -> None:
        """The prompt box's Enter: the current model's prediction for it, shown live (not in scrubbed history)."""
        self.worker.send(SetPrompt(self.prompt.text()))
        if self.director.mode == "history":
            self.go_live()

    def _knockout_ended(self) -> None:
        """The knock-out controls back at none, without asking the run for an intact model again."""
        self.knockout.blockSignals(True)
        self.knockout.setValue(0)
        self.knockout.blockSignals(False)
        self.knockout_label.setText("knock out reflectors: none")

    def reset(self) -> None:
        """The run from its beginning (the seed's initial weights, or --checkpoint's), keeping what the panel
        says: the prompt typed, the learning rate and weight decay."""
        self.director.reset()  # the new run is shown live
        self.worker.send(Reset())
        self._send_hyper()
        if self.prompt.text().strip():
            self.worker.send(SetPrompt(self.prompt.text()))

    def _nudge_speed(self, delta: int) -> None:
        self.speed.setValue(min(100, max(0, self.speed.value() + delta)))

    def camera(self, preset: str) -> None:
        set_camera(self.plotter, self.spec.lattice, preset)

    def show_element(self, name: str, on: bool) -> None:
        self.director.set_hidden(name, not on)
        if name == "chart":
            self.chart.visible = on
        else:
            self.view.set_visible(name, on)

    def toggle_help(self) -> None:
        self._help.setVisible(not self._help.isVisible())
        self._help.raise_()

    def scrub_to(self, index: int) -> None:
        self.director.scrub(index)
        self._show_now()

    def go_live(self) -> None:
        self.director.go_live()
        self.timeline.setValue(self.timeline.maximum())
        self._show_now()  # now, not at the next snapshot: a paused run sends none

    def save_screenshot(self, path: Path | None = None) -> Path | None:
        """A PNG of the view at the size chosen in the panel (default path: a new file in the current folder);
        None, with the reason in the status line, when there is nothing to draw yet or it cannot be written."""
        if self.frame is None:
            self.status.setText("screenshot: nothing drawn yet")
            return None
        if path is None:
            path = unused(f"cube-viz-step{self.frame.step}", ".png")
        choice = self.shot_size.currentText()
        transparent = self.transparent.isChecked()
        if choice == "window":
            img = grab(self.plotter, transparent)
        else:  # rendered offscreen at that size, text and lines scaled with it
            from cube_viz.render.snapshot_image import render_image

            w, h = (int(v) for v in choice.split("x"))
            hidden = self.director.hidden - {"chart"}
            chart = (lambda plotter, scale: self._draw_chart(LossChart(plotter, len(self.spec.vocab), scale))) \
                if self.chart.visible else None
            img = render_image(self.spec, self.frame, (w, h), self.plotter.camera, transparent, hidden,
                               self.director.marked(), chart)
        import imageio.v3 as iio

        try:
            iio.imwrite(path, img, extension=".png")
        except OSError as e:
            self.status.setText(f"screenshot not saved: {e}")
            return None
        self.status.setText(f"screenshot: {path}")
        return path

    def toggle_movie(self) -> None:
        from cube_viz.render.movie import MovieWriter

        if self.movie is None:
            path = unused(f"cube-viz-{time.strftime('%Y%m%d-%H%M%S')}", ".mp4")
            self.movie = MovieWriter(path, MOVIE_FPS)
            self._movie_start = time.perf_counter()
            self.record_button.setText("Stop")
            self.status.setText(f"recording {path}")
        else:
            self.movie.close()
            seconds = self.movie.frames / MOVIE_FPS
            self.status.setText(f"movie: {self.movie.path} ({seconds:.1f} s)" if self.movie.frames else
                                "movie: stopped before its first frame, nothing written")
            self.movie = None
            self.record_button.setText("Record")

    def _record(self) -> None:
        """The view, as many times as the movie needs to play in real time: a frame that took 100 ms to draw
        fills three of its 30 a second. Also while paused, so that turning the cube is recorded."""
        due = int((time.perf_counter() - self._movie_start) * MOVIE_FPS) + 1 - self.movie.frames
        if due > 0:
            image = grab(self.plotter)  # renders the view, on screen too
            for _ in range(due):
                self.movie.add(image)

    # --- the timer -----------------------------------------------------------------------------
    def _tick(self) -> None:
        self._follow_training()
        if self.movie is not None:
            self._record()

    def _follow_training(self) -> None:
        published = self.worker.latest()
        if published is None and not self.worker.process.is_alive() and not self._worker_gone:
            self._worker_gone = True
            self.status.setText(f"training stopped: its process exited (code {self.worker.process.exitcode})")
        if published is not None:
            self.published = published
            self.play_button.setText("Pause" if self.worker.playing else "Play")  # it pauses itself on divergence
            if published.knocked is None and self.knockout.value() and published.commands == self.worker.sent:
                self._knockout_ended()  # a step, prompt or reset showed the intact model
            if published.message:
                self.status.setText(published.message)
            director = self.director
            director.receive(published, time.perf_counter(), self.worker.playing)
            self.timeline.setRange(0, len(director.history) - 1)
            self.timeline.setValue(len(director.history) - 1 if director.scrubbed is None else director.scrubbed)
        if self.director.mode != "history":  # a scrubbed view is drawn when the slider moves
            self._show_now()

    def _show_now(self) -> None:
        frame = self.director.frame_at(time.perf_counter())
        if frame is not None:
            self._show(frame)

    def _show(self, frame: Frame) -> None:
        self.frame = frame
        self.view.update(frame)
        redraw = time.perf_counter() - self._chart_time >= CHART_SECONDS
        if redraw:
            self._chart_time = time.perf_counter()
        self._draw_chart(self.chart, losses=redraw)
        self._inspect()
        if self.movie is None:  # (a recording window renders as it grabs the frame: see _record)
            self.plotter.Render()  # one render, in the next paint (a render() here would render twice)
        loss = "-" if math.isnan(frame.loss) else f"{frame.loss:.3f}"
        self.setWindowTitle(f"cube-viz — step {frame.step} · epoch {frame.epoch + 1} · loss {loss}")

    def _draw_chart(self, chart: LossChart, losses: bool = True) -> None:
        """The losses so far (unless not `losses`), and the step shown while history is scrubbed."""
        data = self.director.chart()
        if losses:
            chart.update(data.steps, data.losses, data.batches_per_epoch)
        chart.show_step(data.cursor)

    def _render_started(self, *_) -> None:
        self._render_start = time.perf_counter()

    def _render_ended(self, *_) -> None:
        seconds = time.perf_counter() - self._render_start
        self.render_seconds.append(seconds)
        self.frames_drawn += 1

    # --- picking and the inspector ---------------------------------------------------------------
    def _text_scale(self) -> float:
        """Text and line sizes for the view's height, as in a still of that height: Qt's logical pixels,
        since VTK's dpi already enlarges text on a high-density screen. Never below MIN_TEXT_SCALE, where
        the legend and HUD would stop being legible."""
        return max(MIN_TEXT_SCALE, self.plotter.height() / 1080)

    def _on_resize(self, *_) -> None:
        scale = self._text_scale()
        lines = scale * self.plotter.devicePixelRatioF()  # line widths are in device pixels
        self.view.rescale(scale, lines)
        self.chart.rescale(scale)
        self._help.move(40, round(125 * scale))  # below the HUD's three lines

    def _on_press(self, *_) -> None:
        self._pick_from = self.plotter.iren.get_event_position()

    def _on_release(self, *_) -> None:
        x, y = self.plotter.iren.get_event_position()
        if self._pick_from is not None and abs(x - self._pick_from[0]) + abs(y - self._pick_from[1]) <= 4:
            self.pick(x, y)
        self._pick_from = None

    def select(self, index: int, kind: str = "reflector") -> None:
        """Inspect a reflector, a bias or a wall word (`index` among its kind, lattice order or word id) and
        mark a plate in the view; the inspector follows it from frame to frame."""
        self.director.selection = (kind, index)
        self.view.mark(self.director.marked())
        self._inspect()
        self.plotter.Render()

    def pick(self, x: int, y: int) -> None:
        """Select the wall word, reflector or bias under display position (x, y), VTK coordinates."""
        hit = self.view.pick(x, y)
        if hit is not None:
            self.select(hit[1], hit[0])

    def _inspect(self) -> None:
        """The selection's facts in the panel, as of the frame on screen."""
        if self.director.selection is None or self.frame is None:
            return
        kind, i = self.director.selection
        if kind == "word":
            self._show_histories(False)
            self.inspector.setText(self._word_facts(i))
            return
        lat = self.spec.lattice
        plates = self.frame.reflectors if kind == "reflector" else self.frame.biases
        w, g = float(plates.weight[i]), float(plates.grad[i])
        layer = (lat.layer if kind == "reflector" else lat.bias_layer)[i]
        slab, row = lat.slabs[layer], int((lat.row if kind == "reflector" else lat.bias_row)[i])
        flat = int((lat.param_index if kind == "reflector" else lat.bias_param_index)[i])
        recent = self.director.recent(40)  # up to the snapshot on screen
        probe = recent[-1].probe if recent else None
        unit = f"word “{escape(self.spec.vocab[row])}”" if slab.name in ("embed", "out") else f"unit {row}"
        if kind == "bias":
            head = f"<b>{slab_title(slab.name)}</b>: bias of {unit}<br>(added to {unit}'s input)"
            contribution = ""
        else:
            col = int(lat.col[i])
            link = {"embed": f"embedding dim {col} of {unit}", "out": f"hidden unit {col} → {unit}"}.get(
                slab.name, f"input unit {col} → output unit {row}")
            head = f"<b>{slab_title(slab.name)}</b> row {row}, col {col}<br>({link})"
            contribution = ""
            if probe is not None and layer > 0:
                a = float(probe.post[layer - 1][col])
                contribution = (f"<br>contribution to the prompt:<br>a<sub>{col}</sub> × w = {a:+.4f} × {w:+.4f}"
                                f" = {a * w:+.5f}")
        noun = "bias" if kind == "bias" else "weight"
        self.inspector.setText(f"{head}<br>{noun} <b>{w:+.5f}</b><br>gradient {g:+.2e}{contribution}")
        self.weight_history.title = f"{noun} (last 40)"
        self.weight_history.set_values(np.array([s.params.flat[flat] for s in recent]))
        self.update_history.set_values(np.array([s.updates.flat[flat] for s in recent]))
        self._show_histories(True)

    def _word_facts(self, word: int) -> str:
        name = f"<b>word</b> “{escape(self.spec.vocab[word])}” (id {word})"
        probs = self.frame.probs
        if probs is None:
            return f"{name}<br>no prediction on screen"
        return f"{name}<br>probability {probs[word]:.3g}, rank {rank(probs, word)} of {len(probs)}"

    def _show_histories(self, on: bool) -> None:
        self.weight_history.setVisible(on)
        self.update_history.setVisible(on)

    # --- closing -------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.timer.stop()
        try:
            if self.options.screenshot_on_exit is not None:
                self.save_screenshot(self.options.screenshot_on_exit)
                print(self.status.text())
            if self.movie is not None:
                self.toggle_movie()
        finally:  # whatever happened above, training stops and --save is written
            message = self.worker.stop()  # the training process saves --save itself
            if message:
                print(message)
        self.plotter.close()
        super().closeEvent(event)
