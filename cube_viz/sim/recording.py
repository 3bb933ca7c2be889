"""Run recordings: the snapshots of a run, every k steps, in one .npz-style zip of .npy arrays.

Readable with `numpy.load(path, allow_pickle=False)`: no code is ever executed on read.
Entries: `meta` (UTF-8 JSON as uint8: vocab, config, layout, steps) and, for snapshot i,
`{i:06d}/scalars` (step, epoch, batches_per_epoch, loss, lr, weight_decay) float64,
`{i:06d}/params|grads|updates` (P,) float32, and the probe: `{i:06d}/probe_ids` (k,) int64,
`{i:06d}/probe_target` () int64 (-1 = none), `{i:06d}/pre{l}`, `{i:06d}/post{l}` float32 per layer, and for
the transformer `{i:06d}/resid`, `resid_mid`, `ln1`, `attention`, `mixed`, `ln2`, `final` (TransformerTrace's).
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np

from cube_viz.errors import UserError
from cube_viz.sim.snapshot import TRANSFORMER_ARRAYS, ProbeTrace, Snapshot, Tensors, TransformerTrace, readonly

MAX_BYTES = 45_000_000  # keeps a default 2,000-step run under 50 MB with room for the probe arrays
FORMAT = "cube-viz run 1"


def record_every(n_params: int, total_steps: int, max_bytes: int = MAX_BYTES) -> int:
    """Smallest k so that snapshots every k steps (3 float32 vectors each) fit in max_bytes."""
    per_snapshot = 3 * 4 * n_params
    return max(1, math.ceil(total_steps * per_snapshot / max_bytes))


class RunRecorder:
    """Appends snapshots to a recording; `close()` (also on Ctrl-C, via `with`) makes the file readable."""

    def __init__(self, path: str | Path, vocab: list[str], config: dict, every: int):
        self.path = Path(path)
        self.every = every
        self.count = 0
        self._meta = {"format": FORMAT, "vocab": vocab, "config": config, "every": every, "steps": []}
        try:
            self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        except OSError as e:
            raise UserError(f"cannot write run recording {self.path}: {e.strerror}") from None

    def wants(self, step: int) -> bool:
        return step % self.every == 0

    def add(self, s: Snapshot) -> None:
        if not self._meta["steps"]:
            self._meta["layout"] = [[name, list(shape)] for name, shape in s.params.layout]
            self._meta["probe_layers"] = 0 if s.probe is None else len(s.probe.pre)
            self._meta["probe_kind"] = "transformer" if isinstance(s.probe, TransformerTrace) else "mlp"
        key = f"{self.count:06d}"
        self._write(f"{key}/scalars", np.array([s.step, s.epoch, s.batches_per_epoch, s.loss, s.lr, s.weight_decay]))
        for name in ("params", "grads", "updates"):
            self._write(f"{key}/{name}", getattr(s, name).flat)
        if s.probe is not None:
            self._write(f"{key}/probe_ids", s.probe.context_ids)
            self._write(f"{key}/probe_target", np.array(-1 if s.probe.target_id is None else s.probe.target_id))
            for i, (pre, post) in enumerate(zip(s.probe.pre, s.probe.post, strict=True)):
                self._write(f"{key}/pre{i}", pre)
                self._write(f"{key}/post{i}", post)
            if isinstance(s.probe, TransformerTrace):
                for name in TRANSFORMER_ARRAYS:
                    self._write(f"{key}/{name}", getattr(s.probe, name))
        self._meta["steps"].append(s.step)
        self._meta.setdefault("probes", []).append(None if s.probe is None else s.probe.prompt)
        self.count += 1

    def _write(self, name: str, array: np.ndarray) -> None:
        with self._zip.open(name + ".npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, np.asarray(array, order="C"), allow_pickle=False)

    def close(self) -> None:
        self._write("meta", np.frombuffer(json.dumps(self._meta).encode(), dtype=np.uint8))
        self._zip.close()

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RunRecording:
    """Read access to a recording: `len(rec)`, `rec[i]` -> Snapshot, `rec.vocab`, `rec.config`, `rec.steps`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._npz = np.load(self.path, allow_pickle=False)
            meta = json.loads(self._npz["meta"].tobytes())
        except FileNotFoundError:
            raise UserError(f"run recording not found: {self.path}") from None
        except Exception:
            raise UserError(f"{self.path} is not a readable cube-viz run recording") from None
        found = meta.get("format") if isinstance(meta, dict) else None
        if found != FORMAT:  # not an assert: python -O would drop it and take any .npz for a recording
            raise UserError(f"{self.path} is not a cube-viz run recording (format {found!r}, expected {FORMAT!r})")
        self.vocab: list[str] = meta["vocab"]
        self.config: dict = meta["config"]
        self.steps: list[int] = meta["steps"]
        self._prompts: list[str | None] = meta.get("probes", [None] * len(self.steps))
        self._layout = tuple((name, tuple(shape)) for name, shape in meta.get("layout", []))
        self._probe_layers: int = meta.get("probe_layers", 0)
        self._transformer = meta.get("probe_kind") == "transformer"

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Snapshot:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        key = f"{i % len(self):06d}"
        z = self._npz
        step, epoch, bpe, loss, lr, wd = z[f"{key}/scalars"].tolist()
        probe = None
        prompt = self._prompts[i]
        if prompt is not None:
            n_layers = self._probe_layers
            target = int(z[f"{key}/probe_target"])
            args = (prompt, readonly(z[f"{key}/probe_ids"]), None if target < 0 else target,
                    tuple(readonly(z[f"{key}/pre{j}"]) for j in range(n_layers)),
                    tuple(readonly(z[f"{key}/post{j}"]) for j in range(n_layers)))
            if self._transformer:
                probe = TransformerTrace(*args, **{name: readonly(z[f"{key}/{name}"]) for name in TRANSFORMER_ARRAYS})
            else:
                probe = ProbeTrace(*args)
        return Snapshot(step=int(step), epoch=int(epoch), batches_per_epoch=int(bpe), loss=loss, lr=lr,
                        weight_decay=wd, probe=probe,
                        **{name: Tensors(z[f"{key}/{name}"], self._layout)
                           for name in ("params", "grads", "updates")})
