"""The window's side panel: its controls, the inspector and the status line. Widgets only: what they do is
the window's (the `window` passed in owns every slot)."""

from __future__ import annotations

import math

import numpy as np
from qtpy import QtCore, QtWidgets

from cube_viz.app.sparkline import Sparkline
from cube_viz.scene.camera import PRESETS
from cube_viz.scene.elements import TOGGLES
from cube_viz.scene.facts import beam_facts, plate_facts, word_facts
from cube_viz.scene.frame import CubeSpec, Frame
from cube_viz.sim.snapshot import Snapshot


def slider_to_speed(v: int) -> float:
    return 10 ** (v / 100 * 3)  # 1 .. 1000 steps/s, logarithmic


def speed_to_slider(speed: float) -> int:
    return round(math.log10(max(1.0, speed)) / 3 * 100)


def button(text: str, tip: str, slot) -> QtWidgets.QPushButton:
    b = QtWidgets.QPushButton(text)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


def spin(value: float, tip: str, slot) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setDecimals(5)
    box.setRange(0.0, 10.0)
    box.setSingleStep(0.0005)
    box.setValue(value)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # a value when typing ends, not one per keystroke
    box.valueChanged.connect(slot)
    return box


class Panel(QtWidgets.QWidget):
    def __init__(self, window, steps_per_second: float, lr: float, weight_decay: float, history: int):
        super().__init__()
        w, layout = window, QtWidgets.QVBoxLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.play_button = button("Pause", "play / pause training (Space)", w.toggle_play)
        self.step_button = button("Step", "one step, played as a full cycle (N)", w.single_step)
        for b in (self.play_button, self.step_button,
                  button("Reset", "start the run again: the seed's initial weights, or --checkpoint's (R)", w.reset)):
            row.addWidget(b)
        layout.addLayout(row)

        form = QtWidgets.QFormLayout()
        self.speed = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.speed.setRange(0, 100)
        self.speed.setValue(speed_to_slider(steps_per_second))
        self.speed.setToolTip("training steps per second (+ / -)")
        self.speed.valueChanged.connect(lambda v: w.set_speed(slider_to_speed(v)))
        self.lr = spin(lr, "learning rate, applied from the next step", w.send_hyperparameters)
        self.wd = spin(weight_decay, "weight decay: the stabilizing field responds", w.send_hyperparameters)
        for label, widget in (("speed", self.speed), ("learning rate", self.lr), ("weight decay", self.wd)):
            form.addRow(label, widget)
        layout.addLayout(form)

        self.prompt = QtWidgets.QLineEdit()
        self.prompt.setPlaceholderText("type a prompt, press Enter")
        self.prompt.setToolTip("the wall shows the model's prediction for this prompt at once")
        self.prompt.returnPressed.connect(w.ask)
        layout.addWidget(QtWidgets.QLabel("prompt"))
        layout.addWidget(self.prompt)

        cams = QtWidgets.QHBoxLayout()
        for key, name in zip("1234", PRESETS, strict=True):
            cams.addWidget(button(name, f"camera: {name} ({key})", lambda _=False, n=name: w.camera(n)))
        layout.addLayout(cams)

        self.toggles: dict[str, QtWidgets.QCheckBox] = {}
        grid = QtWidgets.QGridLayout()
        for i, element in enumerate(TOGGLES):
            box = QtWidgets.QCheckBox(element.label)
            box.setChecked(True)
            box.setToolTip(f"show / hide the {element.label} ({element.key})")
            box.toggled.connect(lambda on, n=element.name: w.show_element(n, on))
            self.toggles[element.name] = box
            grid.addWidget(box, i // 2, i % 2)
        layout.addLayout(grid)

        knock = QtWidgets.QHBoxLayout()
        self.knockout = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.knockout.setRange(0, 90)
        self.knockout.setToolTip("knock out this % of the reflectors (set to 0): the wall shows the damaged "
                                 "model's prediction; training pauses, the model itself stays intact")
        self.knockout.valueChanged.connect(w.knock_out)
        knock.addWidget(self.knockout)
        knock.addWidget(button("Restore", "bring every knocked-out reflector back", lambda: self.knockout.setValue(0)))
        self.knockout_label = QtWidgets.QLabel("knock out reflectors: none")
        layout.addWidget(self.knockout_label)
        layout.addLayout(knock)

        layout.addWidget(QtWidgets.QLabel("history"))
        hist = QtWidgets.QHBoxLayout()
        self.timeline = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.timeline.setRange(0, 0)
        self.timeline.setToolTip(f"scrub back through the last {history} snapshots; training goes on")
        self.timeline.sliderMoved.connect(w.scrub_to)
        hist.addWidget(self.timeline)
        hist.addWidget(button("Live", "back to the present (End)", w.go_live))
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
        self.show_histories(False)  # until a plate is selected

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
        self.record_button = button("Record", "start / stop an MP4 of the view (M)", w.toggle_movie)
        for b in (button("Screenshot", "save a PNG of this view (S)", lambda: w.save_screenshot()),
                  self.record_button, button("Help", "keyboard shortcuts (H)", w.toggle_help)):
            row.addWidget(b)
        layout.addLayout(row)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.setMinimumWidth(300)

    def inspect(self, spec: CubeSpec, frame: Frame, selection: tuple[str, int], recent: list[Snapshot]) -> None:
        """The selection's facts as of the frame on screen; a plate's values and updates over the `recent`
        snapshots (the last is the one on screen)."""
        kind, i = selection
        self.show_histories(kind not in ("word", "ray"))
        if kind in ("word", "ray"):
            self.inspector.setText((word_facts if kind == "word" else beam_facts)(spec, frame, i))
            return
        lat = spec.lattice
        flat = int((lat.param_index if kind == "reflector" else lat.bias_param_index)[i])
        self.inspector.setText(plate_facts(spec, frame, kind, i, recent[-1].probe if recent else None))
        self.weight_history.title = f"{'weight' if kind == 'reflector' else 'bias'} (last {len(recent)})"
        self.weight_history.set_values(np.array([s.params.flat[flat] for s in recent]))
        self.update_history.set_values(np.array([s.updates.flat[flat] for s in recent]))

    def show_histories(self, on: bool) -> None:
        self.weight_history.setVisible(on)
        self.update_history.setVisible(on)

    def knockout_ended(self) -> None:
        """The knock-out controls back at none, without asking the run for an intact model again."""
        self.knockout.blockSignals(True)
        self.knockout.setValue(0)
        self.knockout.blockSignals(False)
        self.knockout_label.setText("knock out reflectors: none")
