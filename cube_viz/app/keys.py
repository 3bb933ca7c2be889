"""The window's keys, as its help overlay lists them (the README's key table has the same keys)."""

from __future__ import annotations

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
    ("H / F1", "this help"),
    ("click", "a plate or a word to inspect it"),
)
