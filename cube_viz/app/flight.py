"""The window's camera flights: from the view as the user left it to a framing (a slab's close-up), eased."""

from __future__ import annotations

from dataclasses import replace

from cube_viz.anim.easing import ease_in_out_cubic
from cube_viz.render.view import aspect, set_view, view_of
from cube_viz.scene.camera import CameraKey, between, resolve
from cube_viz.scene.lattice import Lattice

FLIGHT_SECONDS = 1.2


class Flight:
    def __init__(self, plotter, lattice: Lattice, key: CameraKey, now: float):
        self.plotter, self.t0 = plotter, now
        self.end = resolve(lattice, key, aspect(plotter))
        start = view_of(plotter)
        turn = (start.azimuth - self.end.azimuth + 180) % 360 - 180  # the short way round
        self.start = replace(start, azimuth=self.end.azimuth + turn)

    def step(self, now: float) -> bool:
        """Point the camera where the flight is at `now`; False once it has arrived."""
        a = min(1.0, (now - self.t0) / FLIGHT_SECONDS)
        set_view(self.plotter, between(self.start, self.end, float(ease_in_out_cubic(a))))
        return a < 1.0
