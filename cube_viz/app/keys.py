"""The window's keys: the table its help overlay lists (the README's key table has the same keys), and the
shortcuts."""

from __future__ import annotations

from collections.abc import Callable

from qtpy import QtCore, QtGui, QtWidgets

from cube_viz.scene.elements import toggle_keys

KEYS = (
    ("Space", "play / pause"),
    ("N", "one step, played as a full cycle"),
    ("+ / -", "faster / slower"),
    ("R", "start the run again"),
    ("1 2 3 4", "camera iso / front / side / top"),
    toggle_keys(),
    ("End", "back to live after scrubbing history"),
    ("S / M", "screenshot / start-stop a movie"),
    ("F11", "present: full screen, the cube alone (F11 or Esc: back)"),
    ("A", "the transformer: knock out the next attention head (after the last: none)"),
    ("H / F1", "this help"),
    ("click", "a plate, a word or an attention beam to inspect it"),
    ("double click", "a plate: fly to its slab's close-up (1-4: back to the whole cube)"),
)


def install_shortcuts(window: QtWidgets.QWidget, slots: dict[str, Callable[[], object]]) -> QtGui.QShortcut:
    """Application-wide shortcuts: each key of a space-separated "K1 K2" runs its slot. Returns Esc's
    shortcut, disabled: it only ends presenting (the window enables it then), so that Esc keeps its meaning
    in the panel's boxes."""
    for keys, slot in slots.items():
        for key in keys.split():
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), window)
            shortcut.setContext(QtCore.Qt.ApplicationShortcut)
            shortcut.activated.connect(slot)
    escape = QtGui.QShortcut(QtGui.QKeySequence("Escape"), window)
    escape.activated.connect(window.toggle_presenting)
    escape.setEnabled(False)
    return escape


def help_overlay(window: QtWidgets.QWidget) -> QtWidgets.QLabel:
    """The key table over the picture (H), hidden until asked for (the window places it, see toggle_help)."""
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in KEYS)
    label = QtWidgets.QLabel(f"<h3>cube-viz: keys</h3><table>{rows}</table>", window)
    label.setStyleSheet("background: rgba(10,14,24,225); color: #f0f4ff; padding: 18px; border-radius: 8px;"
                        "font-size: 15px;")
    label.adjustSize()
    label.hide()
    return label
