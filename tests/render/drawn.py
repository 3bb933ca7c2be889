"""Reading back what is drawn, and the README's encoding evaluated on torch's tensors, for the tests that bind
the picture to the model ("Reading the cube" in the README is the specification, torch the oracle).

Nothing here calls the mapping code (scene.orient, scene.palette, scene.lattice): a plate's place, tilt and
colour are read from the render's own mesh, the expected values computed from the state_dict.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from cube_viz.config import TrainConfig

MAX_TILT_DEG = 75.0  # README: the normal tilts about the x axis by 75° · (2/π) · arctan(w / s)
SCALE_STDS = 3.0  # README: s = 3 × the standard deviation of that parameter's initial values

SUBJECTS = ["the cat", "the dog", "a bird", "my friend", "the child"]
VERBS = ["eats", "sees", "likes", "finds"]
OBJECTS = ["the fish", "a ball", "the bread", "some milk", "a book"]


def tiny_corpus(folder: Path) -> Path:
    """100 sentences of 21 words in all: with tiny_config's shapes every slab is about as wide as high, so none
    is folded into bands (README: a matrix folds once it is over 1.5 x as tall as wide, or as wide as tall)."""
    path = folder / "tiny.txt"
    path.write_text("\n".join(f"{s} {v} {o} ." for s in SUBJECTS for v in VERBS for o in OBJECTS) + "\n")
    return path


def tiny_config(corpus: Path, **changes) -> TrainConfig:
    """Two hidden layers of different widths (12, 10) and non-square weight matrices."""
    return TrainConfig(**{**dict(corpus=str(corpus), context=2, embed=10, hidden=(12, 10), batch_size=16, seed=5),
                          **changes})


# ---- the oracle: torch's tensors and the README's formulas --------------------------------------------------

def fresh_scales(config: TrainConfig, vocab_size: int) -> dict[str, float]:
    """s per parameter name: 3 x std of its initial values, from a torch model built afresh from the seed."""
    from cube_viz.sim.model import NextWordMLP

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        fresh = NextWordMLP(vocab_size, config.context, config.embed, config.hidden, config.activation)
    return {n: SCALE_STDS * float(p.detach().double().std(correction=0)) for n, p in fresh.named_parameters()}


def readme_tilt(w: torch.Tensor, s: float) -> np.ndarray:
    """Radians, positive = the normal tilted up (+z)."""
    return (np.deg2rad(MAX_TILT_DEG) * (2 / np.pi) * torch.atan(w.double() / s)).numpy()


def weight_names(state: dict) -> list[str]:
    """Slabs front to back, as the README lists them: embedding, hidden 1, hidden 2, ..., output."""
    return [n.removesuffix(".weight") for n, p in state.items() if n.endswith(".weight") and p.ndim == 2]


# ---- what is drawn -----------------------------------------------------------------------------------------

def drawn_plates(mesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centres (N, 3), unit facet normals (N, 3), colours (N, 3) int) of a mesh of N quads of 4 own corners."""
    corners = np.asarray(mesh.points, np.float64).reshape(-1, 4, 3)
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 3] - corners[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    rgb = np.asarray(mesh.point_data["rgb"]).astype(int).reshape(-1, 4, 3)
    assert (rgb == rgb[:, :1]).all(), "the 4 corners of a plate differ in colour"
    return corners.mean(axis=1), normal, rgb[:, 0]


def drawn_tilt(normal: np.ndarray) -> np.ndarray:
    """The angle of the normal about x, away from facing the light (-y); positive up."""
    assert np.abs(normal[:, 0]).max() < 1e-5, "a plate turned about another axis than x"
    return np.arctan2(normal[:, 2], -normal[:, 1])


def slab_grids(centres: np.ndarray) -> list[np.ndarray]:
    """Per slab, front (small y) to back: (rows, cols) plate indices laid out as the README reads a slab: column i
    the i-th from the left (x increasing), row j the j-th from the top (z decreasing), one pitch (the slab's)
    apart."""
    grids = []
    for y in np.unique(np.round(centres[:, 1], 4)):
        idx = np.flatnonzero(np.abs(centres[:, 1] - y) < 1e-3)
        pitch = slab_pitch(centres[idx])
        col = np.round((centres[idx, 0] - centres[idx, 0].min()) / pitch).astype(int)
        row = np.round((centres[idx, 2].max() - centres[idx, 2]) / pitch).astype(int)
        np.testing.assert_allclose(centres[idx, 0] - centres[idx, 0].min(), col * pitch, atol=1e-3)  # a grid
        grid = np.full((row.max() + 1, col.max() + 1), -1)
        grid[row, col] = idx
        assert (grid >= 0).all() and len(idx) == grid.size, "a slab's plates do not fill a grid"
        grids.append(grid)
    return grids


def slab_pitch(centres: np.ndarray) -> float:
    """The distance between neighbouring plates of one slab's centres (N, 3): the smallest step in x or z."""
    steps = np.concatenate([np.diff(np.unique(np.round(centres[:, axis], 4))) for axis in (0, 2)])
    return float(steps.min())


def assert_diverging_colours(rgb: np.ndarray, u: np.ndarray, what: str) -> None:
    """README: colour = w / s on a diverging map, bright blue -2 ... dark slate 0 ... bright red +2.

    rgb (N, 3) the drawn colours, u (N,) w / s from torch. Reddish for clearly positive values, bluish for clearly
    negative ones, dark near 0, and the farther from 0 (up to 2), the farther the colour from the dark middle."""
    r, b = rgb[:, 0], rgb[:, 2]
    pos, neg = u > 0.5, u < -0.5
    assert pos.any() and neg.any(), f"{what}: no clearly positive or negative values to check"
    assert (r[pos] > b[pos]).all(), f"{what}: {np.count_nonzero(r[pos] <= b[pos])} positive weights not reddish"
    assert (b[neg] > r[neg]).all(), f"{what}: {np.count_nonzero(b[neg] <= r[neg])} negative weights not bluish"
    middle = rgb[np.argmin(np.abs(u))]
    assert abs(u).min() < 0.05 and middle.max() < 140, f"{what}: a weight near 0 drawn {middle}, not dark"
    for side, label in ((u > 0, "positive"), (u < 0, "negative")):
        size = np.minimum(np.abs(u[side]), 2.0)
        order = np.argsort(size, kind="stable")
        strength = np.linalg.norm(rgb[side][order] - middle, axis=1)  # how far from the dark middle
        assert (np.diff(strength) >= -2.5).all(), f"{what}: a larger {label} |w/s| drawn fainter"
        far = size[order] > size[order][0] + 0.4
        assert far.any() and (strength[far] > strength[0] + 25).all(), f"{what}: {label} colours do not grow with |w/s|"


# ---- the beams the README says are drawn, from torch's contributions -------------------------------------------

def readme_beams(contribs: list[torch.Tensor], probs: torch.Tensor, per_layer: int, to_wall: int):
    """README: the wall rays land on the `to_wall` most probable words; going back from the wall, a slab's beams
    are the `per_layer` strongest |a_i · W[j, i]| into the units the next stage's beams leave from, each of those
    units receiving at least its own strongest. contribs: per slab after the embedding, (rows, cols) a_i · W[j, i].
    Returns the wall words, and per slab the set of (j, i) drawn."""
    words = torch.topk(probs, min(to_wall, probs.numel())).indices
    targets, beams = words, []
    for contrib in contribs[::-1]:
        size = contrib.abs()[targets]  # (T, cols)
        n = min(per_layer, size.numel())
        best = size.max(dim=1)
        sure = torch.topk(best.values, min(n, len(targets))).indices  # the targets sure of a beam
        chosen = {(int(targets[t]), int(best.indices[t])) for t in sure}
        rest = size.clone()
        rest[sure, best.indices[sure]] = -1
        for flat in torch.topk(rest.reshape(-1), n - len(chosen)).indices:
            chosen.add((int(targets[flat // size.shape[1]]), int(flat % size.shape[1])))
        beams.append(chosen)
        targets = torch.tensor(sorted({i for _, i in chosen}))
    return set(words.tolist()), beams[::-1]


CORE_PX = (1.5, 4.5)  # README: a beam's core is 1.5 px wide for the weakest contribution, 4.5 px for the strongest
HALO_PX = (7.0, 22.0)  # and its halo 7 to 22 px (pixels of a view 1080 high), linear in between


def to_display(plotter, points: np.ndarray) -> np.ndarray:
    """(N, 2) display pixels of world points (N, 3), through the camera's projection."""
    w, h = plotter.renderer.GetSize()
    m = plotter.camera.GetCompositeProjectionTransformMatrix(w / h, -1, 1)
    proj = np.array([[m.GetElement(r, c) for c in range(4)] for r in range(4)])
    p = np.c_[points, np.ones(len(points))] @ proj.T
    return (p[:, :2] / p[:, 3:] + 1) / 2 * np.array([w, h])


def drawn_beams(plotter, mesh):
    """The beams the rays mesh draws, lit ones only: start (B, 3), end (B, 3) (the core's centre line), core
    colour (B, 3) int, alpha across (B, 6) int, core and halo widths on screen (B,) pixels. Each beam is 12 points,
    2 ends x 6 across it (halo edge, halo inner, core, core, halo inner, halo edge), as render/elements/rays.py
    documents."""
    pts = np.asarray(mesh.points, np.float64).reshape(-1, 2, 6, 3)
    rgba = np.asarray(mesh.point_data["rgba"]).astype(int).reshape(-1, 2, 6, 4)
    lit = rgba[:, 0, 2, 3] > 0
    pts, rgba = pts[lit], rgba[lit]
    assert (rgba == rgba[:, :1]).all(), "a beam's two ends differ in colour"
    assert (rgba[:, 0, :, :3] == rgba[:, 0, 2:3, :3]).all(), "a beam's halo is not of its core's hue"
    px = to_display(plotter, pts.reshape(-1, 3)).reshape(*pts.shape[:3], 2)
    core = np.linalg.norm(px[:, :, 3] - px[:, :, 2], axis=-1).mean(axis=1)
    halo = np.linalg.norm(px[:, :, 5] - px[:, :, 0], axis=-1).mean(axis=1)
    centre = pts[:, :, 2:4].mean(axis=2)
    return centre[:, 0], centre[:, 1], rgba[:, 0, 2, :3], rgba[:, 0, :, 3], core, halo
