"""VTK's lighting of flat plates, computed once a plate instead of once a pixel.

The same sums as vtkOpenGLPolyDataMapper's fragment shader for directional lights (VTK 9): the normal
turned toward the camera, ambient and diffuse in the surface's colour, specular off the direction from the
fragment to the eye. A plate is flat and the projection parallel, so one colour a plate is what the shader
computes at its centre: the preview look draws its plates unlit in these colours, cheaper on software GL than
lighting every pixel, and looks the same (tests/render/test_shading.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GLINT_CONE = 0.5  # r . v below which a glint is left out: 0.5^16 of 255 x 0.35 is a thousandth of a level


@dataclass(frozen=True)
class Material:
    ambient: float
    diffuse: float
    specular: float
    specular_power: float

    def apply(self, prop) -> None:
        """Give a vtkProperty this material, for VTK to light (white glints: pyvista's default tints them blue)."""
        prop.SetAmbient(self.ambient)
        prop.SetDiffuse(self.diffuse)
        prop.SetSpecular(self.specular)
        prop.SetSpecularPower(self.specular_power)
        prop.SetSpecularColor(1.0, 1.0, 1.0)


def toward_eye(centres: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """(N, 3) float32 unit directions from plate centres (N, 3) to the eye (3,): a camera's, kept while it stays."""
    v = eye.astype(np.float32) - centres
    v /= np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
    return v


def lit(rgb: np.ndarray, normals: np.ndarray, to_eye: np.ndarray, lights: list[tuple[np.ndarray, float]],
        toward_camera: np.ndarray, material: Material) -> np.ndarray:
    """(N, 3) uint8: plates of colour rgb (N, 3) uint8 with unit normals (N, 3), seen along `toward_camera` (3,)
    and from directions to_eye (N, 3) (toward_eye), under white directional lights (each: the direction toward
    it (3,), its intensity)."""
    seen = np.where(normals @ toward_camera.astype(np.float32) < 0, np.float32(-1), np.float32(1))  # n's sign
    n_v = np.einsum("ij,ij->i", normals, to_eye)
    diffuse, specular = np.zeros(len(rgb), np.float32), np.zeros(len(rgb), np.float32)
    for toward_light, intensity in lights:
        light = (toward_light / np.linalg.norm(toward_light)).astype(np.float32)
        n_l = normals @ light  # (N,)
        df = np.maximum(seen * n_l, 0)
        r_v = n_l * n_v  # (the light reflected off the plate) . v = 2 (n.l)(n.v) - l.v: the seen side's sign cancels
        r_v *= 2
        r_v -= to_eye @ light
        glints = np.flatnonzero(r_v > GLINT_CONE)
        glints = glints[df[glints] > 0]
        specular[glints] += intensity * r_v[glints] ** np.float32(material.specular_power)
        df *= np.float32(intensity)
        diffuse += df
    colour = rgb * (material.ambient + material.diffuse * diffuse)[:, None]
    colour += (255 * material.specular) * specular[:, None]
    return np.clip(np.rint(colour), 0, 255).astype(np.uint8)
