"""The word atlas and the wall's quads: quad i shows atlas cell i, upright and unmirrored, for any vocabulary."""

from types import SimpleNamespace

import numpy as np
import pytest

from cube_viz.render.words import CELL, COLUMNS, LONGEST, word_atlas, word_quads


@pytest.mark.parametrize("n", [1, 19])  # a single word; a last atlas row only partly filled
def test_each_quad_samples_its_own_atlas_cell(n):
    words = [f"w{i}" * (1 + i % 3) for i in range(n)]
    spec = SimpleNamespace(vocab=words, wall=SimpleNamespace(positions=np.zeros((n, 3), np.float32), cell=(4.0, 1.0)))
    mesh, texture = word_quads(spec)
    atlas, _ = word_atlas(words)  # word i in cell (i // COLUMNS, i % COLUMNS) from the top left
    image = texture.to_array()  # what the texture holds, row 0 at the top (v = 1)
    height, width = image.shape[:2]
    uv = np.asarray(mesh.active_texture_coordinates).reshape(n, 4, 2)
    corners = np.asarray(mesh.points).reshape(n, 4, 3)
    for i in range(n):
        (u0, v0), (u1, v1) = uv[i].min(axis=0), uv[i].max(axis=0)
        block = image[round((1 - v1) * height):round((1 - v0) * height), round(u0 * width):round(u1 * width)]
        r, c = divmod(i, COLUMNS)
        cell = atlas[r * CELL[1]:(r + 1) * CELL[1], c * CELL[0]:c * CELL[0] + block.shape[1]]
        np.testing.assert_array_equal(block, cell)
        assert block[..., 3].max() == 255  # the word's ink is inside its rectangle
        right, top = corners[i, :, 0].argmax(), corners[i, :, 2].argmax()  # x to the right, z up, seen from -y
        assert uv[i, right, 0] == u1 and uv[i, top, 1] == v1  # so the word reads left to right, upright


def test_a_very_long_word_is_cut_short_instead_of_shrinking_every_word():
    _, widths = word_atlas(["a", "x" * 3000])
    _, alone = word_atlas(["a", "x" * (LONGEST - 1) + "…"])
    np.testing.assert_allclose(widths, alone)  # as if the corpus had the cut-short word
    assert widths.max() <= CELL[0]


def test_glyphs_are_white_in_a_dark_outline():
    atlas, _ = word_atlas(["word"])
    opaque = atlas[..., 3] == 255
    assert (atlas[opaque, 0] == 255).sum() > 100  # the glyphs, tinted on the wall
    assert (atlas[opaque, 0] == 0).sum() > 100  # their outline, black whatever the tint


def test_each_quad_shows_its_own_word():
    """Quad i's texture holds word i: the ink of each quad's glyphs is as wide as PIL draws that word alone, in one
    font size for all (short and long words told apart, so a shuffled or reversed atlas fails)."""
    from matplotlib import font_manager
    from PIL import ImageFont

    words = ["ox", "elephant", "to", "wonderful", "cat", "mmmmmmmmmm", "be", "sheep", "hippopotamus"]
    n = len(words)
    spec = SimpleNamespace(vocab=words, wall=SimpleNamespace(positions=np.zeros((n, 3), np.float32), cell=(4.0, 1.0)))
    mesh, texture = word_quads(spec)
    image = texture.to_array()
    height, width = image.shape[:2]
    uv = np.asarray(mesh.active_texture_coordinates).reshape(n, 4, 2)
    font = ImageFont.truetype(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold")),
                              100)
    ratio = []
    for i, word in enumerate(words):
        (u0, v0), (u1, v1) = uv[i].min(axis=0), uv[i].max(axis=0)
        block = image[round((1 - v1) * height):round((1 - v0) * height), round(u0 * width):round(u1 * width)]
        glyph_columns = np.flatnonzero((block[..., 0] > 128).any(axis=0))  # white glyphs, not their dark outline
        assert glyph_columns.size, f"quad {i} ({word!r}) shows no glyphs"
        left, _, right, _ = font.getbbox(word)
        ratio.append((glyph_columns[-1] - glyph_columns[0] + 1) / (right - left))
    ratio = np.array(ratio)
    assert np.abs(ratio / np.median(ratio) - 1).max() < 0.08, dict(zip(words, ratio.round(3), strict=True))
