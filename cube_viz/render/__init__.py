"""pyvista/VTK actors for the cube. The only package that imports pyvista or vtk."""

import os

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    # headless: go straight to EGL (software GL through Mesa), without VTK's failed attempt at X first
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
