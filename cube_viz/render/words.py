"""The word wall: one textured quad per word, cut from a texture atlas of all the words.

256 quads cost next to nothing to draw, where the same words as 3D text meshes (~200 triangles each,
~51k in all) cost ~10 ms a frame on software GL, and the texture's filtered edges stay legible where
aliased text triangles break up. The atlas has 256x64 pixels per word, mipmapped: crisp in a 4K frame,
where a wall cell is about 120 pixels wide.
"""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv
import vtk

from cube_viz.render.view import draw_over_scene
from cube_viz.scene.frame import CubeSpec

CELL = (256, 64)  # atlas pixels per word (width, height): the wall's cells are 4 times wider than high
COLUMNS = 16  # atlas cells per row
LONGEST = 24  # characters: a longer word is cut short with an ellipsis rather than shrink every word
SPOTLIGHT = 1.4  # the top guess and the true word are repeated this much larger over the wall, for a hall
OUTLINE = 4  # atlas pixels of dark outline around the glyphs, as in subtitles: words read over the busy cube
BOX = 204  # the alpha of each word's dark label behind its glyphs: the cube shows through it only faintly


def word_atlas(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 4) uint8 atlas, word i in cell (i // COLUMNS, i % COLUMNS) from the top left, each word
    left-aligned in its cell: white glyphs in a black outline on a dark label (alpha the glyphs' and outline's
    coverage, at least BOX over the word's width; the tint colours the glyphs and leaves the rest black); and
    each word's width in pixels with its outline and 2 of margin each side (V,).

    One bold font size for every word, the largest that fits the widest word (so "a" and "the" share a letter
    height), twice that for a lone punctuation mark; bold strokes stay solid when a 4K atlas cell shrinks to a
    1080p wall cell.
    """
    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    words = [w if len(w) <= LONGEST else w[: LONGEST - 1] + "…" for w in words]
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    probe = ImageFont.truetype(path, 100)
    widest = max(probe.getlength(w) for w in words)
    size = max(1, min(44, int(100 * 0.96 * (CELL[0] - 2 * OUTLINE) / widest)))
    font, mark = ImageFont.truetype(path, size), ImageFont.truetype(path, min(60, 2 * size))
    fonts = [mark if len(w) == 1 and not w.isalnum() else font for w in words]  # "." would be a speck
    rows = math.ceil(len(words) / COLUMNS)
    glyphs, ink = (Image.new("L", (COLUMNS * CELL[0], rows * CELL[1]), 0) for _ in range(2))
    for layer, stroke in ((glyphs, 0), (ink, OUTLINE)):
        draw = ImageDraw.Draw(layer)
        for i, (word, f) in enumerate(zip(words, fonts, strict=True)):
            r, c = divmod(i, COLUMNS)
            draw.text((c * CELL[0] + 2 + OUTLINE, r * CELL[1] + CELL[1] / 2), word, fill=255, font=f, anchor="lm",
                      stroke_width=stroke, stroke_fill=255)
    image = np.dstack([np.asarray(glyphs)] * 3 + [np.asarray(ink)])
    widths = np.array([f.getlength(w) + 4 + 2 * OUTLINE for w, f in zip(words, fonts, strict=True)])
    for i, width in enumerate(widths):  # each word on its dark label: alpha at least BOX over its width
        r, c = divmod(i, COLUMNS)
        label = image[r * CELL[1]:(r + 1) * CELL[1], c * CELL[0]:c * CELL[0] + int(np.ceil(width)), 3]
        np.maximum(label, BOX, out=label)
    return image, widths


def word_quads(spec: CubeSpec) -> tuple[pv.PolyData, vtk.vtkTexture]:
    """The wall: quad i shows word i at its cell's centre, upright and readable from -y (cells, word id order),
    with a point array "rgba" (4 equal corners per quad) that tints it (alpha: how much light the word gives);
    and the atlas texture."""
    image, widths = word_atlas(spec.vocab)
    n, (cw, ch) = len(spec.vocab), spec.wall.cell
    scale = min(0.92 * cw / widths.max(), 0.95 * ch / CELL[1])  # world units per atlas pixel
    half_w, half_h = widths * scale / 2, np.full(n, CELL[1] * scale / 2)
    # corners in the order lower-left, lower-right, upper-right, upper-left; x stays x, z is up
    dx = np.stack([-half_w, half_w, half_w, -half_w], axis=1)
    dz = np.stack([-half_h, -half_h, half_h, half_h], axis=1)
    centres = spec.wall.positions.astype(np.float64)
    points = np.stack([centres[:, None, 0] + dx, np.broadcast_to(centres[:, None, 1], dx.shape),
                       centres[:, None, 2] + dz], axis=2).reshape(-1, 3)
    height, width = image.shape[:2]
    r, c = np.divmod(np.arange(n), COLUMNS)
    u0, u1 = c * CELL[0] / width, (c * CELL[0] + widths) / width
    v1 = 1 - r * CELL[1] / height  # the texture's v runs up from the image's bottom row
    v0 = v1 - CELL[1] / height
    uv = np.stack([np.stack([u0, u1, u1, u0], axis=1), np.stack([v0, v0, v1, v1], axis=1)], axis=2).reshape(-1, 2)
    faces = np.column_stack([np.full(n, 4), np.arange(4 * n).reshape(n, 4)]).ravel()
    mesh = pv.PolyData(points.astype(np.float32), faces=faces)
    mesh.active_texture_coordinates = uv.astype(np.float32)
    mesh.point_data["rgba"] = np.zeros((4 * n, 4), np.uint8)
    texture = pv.Texture(image)  # pyvista flips rows: image row 0 becomes the texture's top
    texture.SetMipmap(True)
    texture.SetInterpolate(True)
    return mesh, texture


def spotlight_quad(words: pv.PolyData) -> pv.PolyData:
    """A one-quad copy of the wall (points, texture coordinates, "rgba") for `place_spotlight`."""
    quad = pv.PolyData(np.asarray(words.points[:4]).copy(), faces=[4, 0, 1, 2, 3])
    quad.active_texture_coordinates = np.asarray(words.active_texture_coordinates[:4]).copy()
    quad.point_data["rgba"] = np.zeros((4, 4), np.uint8)
    return quad


def place_spotlight(quad: pv.PolyData, words: pv.PolyData, word: int) -> None:
    """Make `quad` show wall word `word` in its colour, SPOTLIGHT times larger about the word's centre and
    a hair in front of it (on screen it is drawn over the wall anyway, see word_actor; a glTF viewer
    would show two quads in one plane flickering)."""
    corners = np.asarray(words.points[4 * word: 4 * word + 4])
    centre = corners.mean(axis=0)
    toward_viewer = np.array([0.0, -0.05 * np.ptp(corners[:, 2]), 0.0])  # off the wall's plane, for glTF viewers
    quad.points[:] = centre + SPOTLIGHT * (corners - centre) + toward_viewer
    quad.active_texture_coordinates[:] = words.active_texture_coordinates[4 * word: 4 * word + 4]
    quad.point_data["rgba"][:] = words.point_data["rgba"][4 * word: 4 * word + 4]


def word_actor(mesh: pv.PolyData, texture: vtk.vtkTexture) -> vtk.vtkActor:
    """An unlit actor drawing the quads' texture tinted by their "rgba" colours, over everything drawn
    before it.

    The wall stands behind every slab; drawn in depth order its words would hide behind thousands of
    plates. Its fragments are written at the nearest depth instead (the texture's fully transparent texels
    are discarded by VTK's shader), so the words light up over the cube like a projection, blended by their
    alpha: a likely word bright and opaque, an unlikely one a faint glow that leaves the cube readable.
    The price: the translucent glass, gel and wave, drawn after all opaque geometry, do not show through
    a glyph's pixels.
    """
    mapper = vtk.vtkPolyDataMapper()
    mapper.SetInputData(mesh)
    mapper.SetScalarModeToUsePointFieldData()
    mapper.SelectColorArray("rgba")
    mapper.SetColorModeToDirectScalars()
    mapper.ScalarVisibilityOn()
    actor = vtk.vtkActor()
    actor.SetMapper(mapper)
    actor.SetTexture(texture)
    actor.GetProperty().LightingOff()
    actor.ForceOpaqueOn()  # drawn with the opaque geometry (last of it), blended by alpha
    draw_over_scene(actor)
    return actor
