"""The elements of the picture by name: one table for the window's toggles and keys, its help, the hidden
elements of stills and movies (--hide) and the README's key table. render/elements has one module for each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    name: str  # what render, the director and --hide call it
    label: str  # what the panel, the help and the README call it
    key: str | None = None  # the window's show / hide key; None: not toggled there


ELEMENTS = (  # in the order they are drawn: the wall after the slabs, overlays last
    Element("reflectors", "reflectors"),
    Element("biases", "biases", "B"),
    Element("rays", "rays", "Y"),
    Element("gel", "gel", "G"),
    Element("glass", "glass", "K"),
    Element("waves", "waves", "W"),
    Element("highlight", "highlight"),
    Element("selection", "selection"),
    Element("wall", "wall", "L"),
    Element("slab-labels", "slab names", "T"),
    Element("context", "context words"),  # at the front face, where their light enters
    Element("hud", "HUD", "U"),
    Element("legend", "legend", "E"),
    Element("chart", "loss chart", "C"),
    Element("captions", "captions"),  # render/overlays.py lays the HUD, legend, chart and captions out
)
NAMES = tuple(e.name for e in ELEMENTS)
TOGGLES = tuple(e for e in ELEMENTS if e.key)  # in the window's panel and keys, in this order


def toggle_keys() -> tuple[str, str]:
    """The key table's row for the toggles: ("B Y G ...", "show / hide biases, rays, gel, ...")."""
    return " ".join(e.key for e in TOGGLES), "show / hide " + ", ".join(e.label for e in TOGGLES)


def parse_hidden(text: str) -> frozenset[str]:
    """--hide's comma-separated element names; ValueError naming an unknown one."""
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = sorted(names - set(NAMES))
    if unknown:
        raise ValueError(f"unknown element {unknown[0]!r} (elements: {', '.join(NAMES)})")
    return names
