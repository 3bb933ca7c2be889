"""A sparkline for the inspector: a small line chart of a reflector's recent values, with its range."""

from __future__ import annotations

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets


class Sparkline(QtWidgets.QWidget):
    def __init__(self, title: str, color: str):
        super().__init__()
        self.title, self.color = title, QtGui.QColor(color)
        self.values = np.zeros(0)
        self.setMinimumHeight(46)
        self.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Fixed)

    def set_values(self, values: np.ndarray) -> None:
        values = np.asarray(values, np.float64)
        if not np.array_equal(values, self.values):  # the window sets them on every tick
            self.values = values
            self.update()

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        metrics = p.fontMetrics()
        v = self.values
        label = self.title if len(v) == 0 else f"{self.title}   {v.min():+.3g} … {v.max():+.3g}"
        p.drawText(0, metrics.ascent(), label)
        box = QtCore.QRectF(1, metrics.height() + 2, self.width() - 2, self.height() - metrics.height() - 4)
        p.fillRect(box, QtGui.QColor("#10131c"))
        if len(v) == 0:
            return
        flat = np.ptp(v) == 0
        lo, hi = (v[0] - 1, v[0] + 1) if flat else (v.min(), v.max())  # a flat line mid-height
        x = box.left() + np.arange(len(v)) / max(1, len(v) - 1) * box.width()

        def y(values):  # larger values higher up
            return box.bottom() - (values - lo) / (hi - lo) * box.height()

        if not flat and lo < 0 < hi:  # the zero line: where an update changes sign
            p.setPen(QtGui.QPen(QtGui.QColor("#5a6378"), 1, QtCore.Qt.DashLine))
            p.drawLine(QtCore.QPointF(box.left(), y(0.0)), QtCore.QPointF(box.right(), y(0.0)))
        points = [QtCore.QPointF(a, b) for a, b in zip(x, y(v), strict=True)]
        p.setPen(QtGui.QPen(self.color, 2))
        p.drawPolyline(QtGui.QPolygonF(points))
        p.setBrush(self.color)
        p.drawEllipse(points[-1], 3, 3)  # the newest value (the only one, at first)
