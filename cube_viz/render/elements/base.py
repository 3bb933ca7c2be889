"""The protocol every element of the picture follows, and the text helpers the overlays share.

An element owns its actors: built once for a CubeSpec, updated in place from each Frame (slice assignment
marks VTK data modified), rescaled with the view's height, shown or hidden by name, and picked where it
can be. Sizes are those of a view 1080 pixels high (scale 1): line widths and dot sizes in pixels, fonts
in points (pixels at VTK's 72 dpi).
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from cube_viz.scene.frame import CubeSpec, Frame

APART = 0.2  # of a line: the least room drop_clear leaves between two labels
MARGIN = 0.01  # corner texts' distance from the top and bottom edges (render/overlays.py places them anew)
BACKDROP = (0.02, 0.03, 0.06)  # the corner texts' panel: opaque, so that no plate shows through it (at 0.8
# a close-up's bright plates came through as a pattern behind the legend's text, and 20% of any background)


class Element:
    """One element: its actors, and whether the viewer wants it shown (`shown`) beside whether the frame
    has something for it to show (`present`, kept by the element itself)."""

    def __init__(self, plotter: pv.Plotter, spec: CubeSpec, built: dict[str, Element]):
        self.plotter, self.spec = plotter, spec
        self.actors: list = []
        self._shown, self._present = True, True

    def update(self, frame: Frame) -> None:
        """Copy what this element draws from the frame into its actors."""

    def rescale(self, text_scale: float, line_scale: float) -> None:
        """Sizes for a view text_scale x 1080 pixels high (line_scale: the same in device pixels)."""

    def pick(self, x: int, y: int) -> int | None:
        """The index (a plate's, a word's) drawn at display position (x, y); None: nothing of this element."""
        return None

    @property
    def shown(self) -> bool:
        return self._shown

    @shown.setter
    def shown(self, on: bool) -> None:
        self._shown = on
        self._apply()

    @property
    def wanted(self) -> bool:
        """Shown and present: drawn, where the overlays' layout finds room for it."""
        return self._shown and self._present

    def present(self, on: bool) -> None:
        self._present = on
        self._apply()

    def _apply(self) -> None:
        for actor in self.actors:
            actor.SetVisibility(self._shown and self._present)

    def add(self, actor):
        """Keep `actor` (already added to the plotter) as one of this element's."""
        self.actors.append(actor)
        return actor


def cell_at(plotter: pv.Plotter, actor, x: int, y: int, tolerance: float) -> int | None:
    """The id of the actor's cell drawn at display position (x, y), or None (cell i of a plate mesh is
    plate i, quad i of the wall word i)."""
    picker = vtk.vtkCellPicker()
    picker.SetTolerance(tolerance)
    picker.PickFromListOn()
    picker.AddPickList(actor)
    if picker.Pick(x, y, 0, plotter.renderer) and picker.GetCellId() >= 0:
        return int(picker.GetCellId())
    return None


def per_corner(colours: np.ndarray, corners: int) -> np.ndarray:
    """(N * corners, C) colours of the points of N cells that own `corners` points each, in cell order."""
    return np.repeat(colours, corners, axis=0)


def text_box(actor: vtk.vtkTextActor, renderer) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of a text actor's drawn box, backdrop included, in display pixels."""
    box = [0.0] * 4
    actor.GetBoundingBox(renderer, box)  # relative to the actor's anchor
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(renderer)
    return x + box[0], x + box[1], y + box[2], y + box[3]


def corner_text(plotter: pv.Plotter, corner: str, color: str, name: str, backdrop: bool = False,
                flush_left: bool = False) -> vtk.vtkTextActor:
    """Text pinned to a corner of the view ("upper_left", "lower_right", ...); with `backdrop`, on an opaque
    dark panel, so that it reads wherever it overlaps the cube; with `flush_left`, its lines start at one left edge
    at a right-hand corner too (wrapped prose).

    A plain text actor, not pyvista's corner annotation: an annotation refits its font to the viewport
    whenever its text changes, which cost ~70 ms a frame for a HUD that changes every frame.
    """
    actor = vtk.vtkTextActor()
    top, right = corner.startswith("upper"), corner.endswith("right")
    position = actor.GetPositionCoordinate()
    position.SetCoordinateSystemToNormalizedViewport()
    position.SetValue(0.995 if right and not flush_left else 0.005, 1 - MARGIN if top else MARGIN)
    prop = actor.GetTextProperty()
    prop.SetColor(pv.Color(color).float_rgb)
    prop.SetJustification(vtk.VTK_TEXT_RIGHT if right and not flush_left else vtk.VTK_TEXT_LEFT)
    prop.SetVerticalJustification(vtk.VTK_TEXT_TOP if top else vtk.VTK_TEXT_BOTTOM)
    if backdrop:
        prop.SetBackgroundColor(BACKDROP)
        prop.SetBackgroundOpacity(1.0)
    plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
    return actor


def anchored_text(plotter: pv.Plotter, name: str, color, opacity: float = 0.85,
                  hanging: bool = False) -> vtk.vtkTextActor:
    """Bold text on a dark label, centred on a world point (set with `anchor`) and moved from it by its
    Position in display pixels (SetPosition: `drop_clear` moves it down where it would cover another label);
    `hanging`: its top at the point, else its middle."""
    actor = vtk.vtkTextActor()
    point = vtk.vtkCoordinate()
    point.SetCoordinateSystemToWorld()
    position = actor.GetPositionCoordinate()
    position.SetCoordinateSystemToDisplay()
    position.SetReferenceCoordinate(point)
    prop = actor.GetTextProperty()
    prop.SetColor(pv.Color(color).float_rgb)
    prop.BoldOn()
    prop.SetJustificationToCentered()
    prop.SetVerticalJustification(vtk.VTK_TEXT_TOP if hanging else vtk.VTK_TEXT_CENTERED)
    prop.SetBackgroundColor(BACKDROP)
    prop.SetBackgroundOpacity(opacity)
    plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
    return actor


def anchor(actor: vtk.vtkTextActor, point) -> None:
    """Anchor an `anchored_text` at world point (3,)."""
    actor.GetPositionCoordinate().GetReferenceCoordinate().SetValue(*map(float, point))


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, right, bottom, top) boxes intersect."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def drop_clear(actor: vtk.vtkTextActor, renderer, placed: list, drops: int):
    """Move an `anchored_text` down a line (and APART of one) at a time, at most `drops` lines, until its box
    clears every box in `placed` by APART of a line (two labels that touch read as one: "pears 10%fresh 12%"):
    its box there, or None where it never does (it is left at its anchor then)."""
    actor.SetPosition(0, 0)
    left, right, bottom, top = text_box(actor, renderer)
    gap = APART * (top - bottom)
    line = top - bottom + gap
    for k in range(drops + 1):
        box = (left, right, bottom - k * line, top - k * line)
        if not any(boxes_overlap((box[0] - gap, box[1] + gap, box[2] - gap, box[3] + gap), other) for other in placed):
            actor.SetPosition(0, -k * line)
            return box
    return None


def font_size(points: float, text_scale: float) -> int:
    return max(8, round(points * text_scale))
