"""Checks on output paths, made before any long work starts."""

from __future__ import annotations

from pathlib import Path

from cube_viz.errors import UserError


def writable(path: str, what: str) -> Path:
    """`path` as a Path if a file can be written there (its folder exists, it is not a folder)."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{what} path is a directory: {p}")
    if not p.parent.is_dir():
        raise UserError(f"{what} folder does not exist: {p.parent}")
    return p


def unused(stem: str, suffix: str, folder: Path = Path(".")) -> Path:
    """folder/stem + suffix, or stem-2, stem-3, ... if taken: a new file never replaces an earlier one."""
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path.resolve()
