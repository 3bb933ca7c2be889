"""The window's on-screen VTK render window, apart from the offscreen (EGL) ones stills and movies use."""

from __future__ import annotations

import sys


def can_open_x11_windows() -> bool:
    """Whether this VTK build has its X11 render window (builds made for offscreen work only lack it)."""
    try:
        from vtkmodules.vtkRenderingOpenGL2 import vtkXOpenGLRenderWindow  # noqa: F401
    except ImportError:
        return False
    return True


def native_render_window() -> dict:
    """On Linux, VTK's X11 window, which draws straight into the view's native child window, whatever
    VTK_DEFAULT_OPENGL_WINDOW says (offscreen work and the tests set it to EGL, which would draw nowhere).

    It ends a frame by copying its colours into the window's back buffer only: by default VTK also writes
    its depth buffer there through a full-window shader pass, for drawing after VTK that this window never
    does (~10 ms a frame at 1296x960 on software GL)."""
    if not sys.platform.startswith("linux"):
        return {}  # the platform's default window is the native one
    from vtkmodules.vtkRenderingOpenGL2 import vtkXOpenGLRenderWindow  # run.check_display made sure it exists

    window = vtkXOpenGLRenderWindow()
    window.SetFrameBlitModeToBlitToCurrent()  # the current draw framebuffer is the X window's back buffer
    return {"rw": window}
