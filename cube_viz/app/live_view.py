"""The window's 3D view: pyvistaqt's interactor with live frames drawn at reduced resolution.

On software GL a frame of the default scene at full window resolution takes 100-150 ms, long enough to
make the whole window feel stuck while the model trains. As in ParaView's interactive level of detail,
frames that will be replaced within a fraction of a second (training playing, the camera being dragged)
are drawn at `scale` of the widget's pixels and stretched to fit by the blit into the widget; as soon as
the scene holds still, one full-resolution frame replaces them.
"""

from __future__ import annotations

import time

from pyvistaqt import QtInteractor
from qtpy.QtCore import QRect

STILL_AFTER = 0.3  # seconds without a new live frame before the full-resolution still frame
SCALES = (1.0, 0.75)  # live resolutions, finest first (at 1/2 the plates break into noise and lines thicken)
BUDGET = 0.05  # seconds: a live frame slower than this steps down to the next scale, one under half steps up


class LiveInteractor(QtInteractor):
    def __init__(self, parent, **kwargs):
        self._scale = self._event_scale = 1.0
        self._live_scale = SCALES[0]
        self._last_live = 0.0
        super().__init__(parent, **kwargs)
        self.iren.add_observer("InteractionEvent", lambda *_: self.live())  # the camera moves (not a click)
        self.iren.add_observer("EndInteractionEvent", lambda *_: self.still())

    # pyvistaqt sizes VTK's render window, maps mouse positions and sets the text DPI with this ratio,
    # so scaling it keeps picking, camera drags and text size right at any resolution.
    def devicePixelRatioF(self) -> float:
        return super().devicePixelRatioF() * self._scale

    def _blit(self, target_id, rect) -> None:
        ratio = super().devicePixelRatioF()  # the widget's true device pixels, whatever VTK's size
        super()._blit(target_id, QRect(0, 0, round(self.width() * ratio), round(self.height() * ratio)))

    def _setEventInformation(self, *args, **kwargs) -> None:
        self._event_scale = self._scale  # the resolution this event's position is given at
        super()._setEventInformation(*args, **kwargs)

    def event_position(self) -> tuple[float, float]:
        """The last mouse event's position in full-resolution pixels (VTK's, origin bottom left), whatever
        the resolution then or now."""
        x, y = self.iren.get_event_position()
        return x / self._event_scale, y / self._event_scale

    @property
    def scale(self) -> float:
        return self._scale

    def live(self) -> None:
        """The next frame is short-lived: draw it at the live resolution."""
        self._last_live = time.perf_counter()
        self._set_scale(self._live_scale)

    def still(self) -> None:
        """The scene holds still: draw it at full resolution."""
        self._set_scale(1.0)
        self.update()

    def settle(self) -> None:
        """Called on every tick: a still frame once live frames have stopped coming."""
        if self._scale != 1.0 and time.perf_counter() - self._last_live > STILL_AFTER:
            self.still()

    def rendered(self, seconds: float) -> None:
        """Adapt the live resolution to the time the last live frame took."""
        if self._scale == 1.0 and self._live_scale != 1.0:
            return  # a still frame says nothing about live frames at a lower scale
        i = SCALES.index(self._live_scale)
        if seconds > BUDGET and i + 1 < len(SCALES):
            self._live_scale = SCALES[i + 1]
        elif seconds < BUDGET / 2 and i > 0:
            self._live_scale = SCALES[i - 1]

    def _set_scale(self, scale: float) -> None:
        if scale == self._scale:
            return
        self._scale = scale
        self.resizeGL(self.width(), self.height())
