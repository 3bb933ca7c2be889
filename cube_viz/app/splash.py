"""A splash shown while VTK loads and the cube is built (a few seconds on a slow machine), so that a
launch from the command line shows at once that something is coming."""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

SIZE = (520, 160)


def loading_splash() -> QtWidgets.QSplashScreen:
    pixmap = QtGui.QPixmap(*SIZE)
    pixmap.fill(QtGui.QColor("#0b1020"))
    painter = QtGui.QPainter(pixmap)
    painter.setPen(QtGui.QColor("#e8eefc"))
    font = painter.font()
    font.setPointSize(22)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, 0, 0, -40), QtCore.Qt.AlignCenter, "cube-viz")
    font.setPointSize(12)
    font.setBold(False)
    painter.setFont(font)
    painter.setPen(QtGui.QColor("#9fb0d0"))
    painter.drawText(pixmap.rect().adjusted(0, 50, 0, 0), QtCore.Qt.AlignCenter,
                     "loading the 3D view and building the cube ...")
    painter.end()
    splash = QtWidgets.QSplashScreen(pixmap)
    splash.show()
    QtWidgets.QApplication.processEvents()  # paint it now: the next seconds block the event loop
    return splash
