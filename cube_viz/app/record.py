"""`cube-viz record OUT.mp4|OUT.gif`: the cube learning, rendered offscreen frame by frame.

Time is a number: frame i shows t = i / fps. A plan of shots (one from the flags, or a storyboard)
says for each t what the camera does, what is highlighted and captioned, and what training does.
"""

from __future__ import annotations

import argparse
import bisect
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from cube_viz.anim.cycle import CYCLE_SECONDS
from cube_viz.anim.director import Director
from cube_viz.anim.storyboard import Shot, interpolate_camera, load_storyboard
from cube_viz.app.paths import writable
from cube_viz.app.scene_args import parse_size
from cube_viz.app.shared_flags import add_shared_flags
from cube_viz.errors import EXIT_INTERRUPTED, UserError
from cube_viz.scene.camera import PRESETS, CameraKey
from cube_viz.scene.frame import CubeSpec
from cube_viz.sim.protocol import HISTORY_TAIL
from cube_viz.sim.snapshot import Snapshot, weight_indices

MOVIE_FORMATS = (".mp4", ".gif")
CAMERA_MODES = ("fixed", "orbit", "fly")
TEMPOS = ("lecture", "training")
LOOKS = ("record", "preview")
FLY = ("front", "iso", "side", "top", "iso")


def add_record_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("recording")
    g.add_argument("--duration", type=float, metavar="SECONDS",
                   help="length of the movie (default: from --steps, with at least one frame a step)")
    g.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    g.add_argument("--size", default="1280x720", metavar="WxH",
                   help="frame size, up to 3840x2160, even numbers for MP4 (default 1280x720)")
    g.add_argument("--tempo", default="training", metavar="TEMPO",
                   help="training (many steps a second, default) or lecture (one step's cycle over a few seconds)")
    g.add_argument("--camera", default="fixed", metavar="MODE", help="fixed (iso), orbit or fly, eased (default fixed)")
    g.add_argument("--steps-per-second", type=float, default=60.0, metavar="N",
                   help="training steps shown per second at training tempo (default 60; without --duration "
                        "at most --fps, so that every step of --steps gets a frame)")
    g.add_argument("--cycle-seconds", type=float, default=CYCLE_SECONDS, metavar="S",
                   help=f"seconds per step's cycle at lecture tempo (default {CYCLE_SECONDS:g})")
    g.add_argument("--exaggeration", type=float, default=1.0, metavar="K",
                   help="lecture tempo: turns overshoot K x before settling on the true weight (default 1)")
    g.add_argument("--look", default="record", metavar="LOOK",
                   help="record (anti-aliased, gradient background; default) or preview (about 2x faster)")
    g.add_argument("--from-run", metavar="RUN.npz", help="render a run recording made by `cube-viz train --record`")
    g.add_argument("--storyboard", metavar="FILE.toml", help="a lecture script of shots (see assets/storyboards/)")
    add_shared_flags(g, "record", hide=True, rays=True,
                     ablate="knock out this fraction of the reflectors in every frame (not with --from-run)")


@dataclass(frozen=True)
class RecordRequest:
    out: Path
    size: tuple[int, int]
    fps: float
    shots: list[Shot]


def check_record_args(args: argparse.Namespace, overrides: dict[str, Any]) -> RecordRequest:
    """Everything that can be checked before training or rendering starts."""
    out = Path(args.out)
    if out.suffix.lower() not in MOVIE_FORMATS:
        raise UserError(f"unsupported movie format {out.suffix or '(none)'!r} for {out}: use .mp4 or .gif")
    writable(str(out), "output")
    size = parse_size(args.size)
    if out.suffix.lower() == ".mp4" and (size[0] % 2 or size[1] % 2):
        raise UserError(f"--size {size[0]}x{size[1]}: MP4 needs an even width and height")
    if not 1 <= args.fps <= 120:
        raise UserError(f"--fps must lie in 1..120, got {args.fps:g}")
    if args.tempo not in TEMPOS:
        raise UserError(f"unknown --tempo {args.tempo!r}: use lecture or training")
    if args.look not in LOOKS:
        raise UserError(f"unknown --look {args.look!r}: use record or preview")
    if args.camera not in CAMERA_MODES:
        raise UserError(f"unknown --camera {args.camera!r}: use fixed, orbit or fly")
    for flag in ("steps_per_second", "cycle_seconds", "exaggeration"):
        if getattr(args, flag) <= 0:
            raise UserError(f"--{flag.replace('_', '-')} must be positive")
    if args.ablate and args.from_run:
        raise UserError("--ablate needs the model itself: it cannot be used with --from-run")
    if args.duration is not None and args.duration <= 0:
        raise UserError("--duration must be positive")
    if args.from_run and not Path(args.from_run).is_file():
        raise UserError(f"--from-run not found: {args.from_run}")
    if args.storyboard:
        shots = load_storyboard(args.storyboard)
        if args.from_run and any(s.prompt for s in shots):
            raise UserError("a storyboard's prompt needs the model itself: it cannot be used with --from-run")
    else:
        steps = overrides.get("steps", 2000 if not args.checkpoint else 200)
        if args.from_run and "steps" not in overrides:  # a replay lasts as long as its recording
            from cube_viz.sim.recording import RunRecording

            recorded = RunRecording(args.from_run).steps
            steps = max(1, recorded[-1] - recorded[0])
        tempo = args.steps_per_second
        if args.duration is None and not args.from_run:  # N steps asked for: each one gets a frame at least
            tempo = min(tempo, args.fps)
        per_second = tempo if args.tempo == "training" else 1 / args.cycle_seconds
        duration = args.duration or min(steps / per_second, 600.0)
        shots = [Shot(duration=duration, cameras=camera_path(args.camera), training=args.tempo,
                      steps_per_second=tempo, cycle_seconds=args.cycle_seconds,
                      exaggeration=args.exaggeration)]
    return RecordRequest(out, size, args.fps, shots)


def camera_path(mode: str) -> tuple[CameraKey, ...]:
    iso = PRESETS["iso"]
    if mode == "orbit":  # once around, eased in and out
        return tuple(replace(iso, azimuth=iso.azimuth + a) for a in (0, 90, 180, 270, 360))
    if mode == "fly":
        return tuple(PRESETS[p] for p in FLY)
    return (iso,)


class Source:
    """Snapshots to show, from live training or a run recording: `advance(n)` moves on n steps.

    A recording keeps every k-th step: it counts the steps asked for so far and shows the last record at or
    before them, so that it replays at the tempo asked (2 steps a frame and a record every 8: a new record
    every 4th frame). `next_record()` is one step's cycle: the next step trained, or the next record.
    """

    def __init__(self, trainer=None, run=None):
        self.trainer, self.run, self.index = trainer, run, 0
        self.current: Snapshot = trainer.snapshot() if trainer else run[0]
        self._seen: dict[int, float] = {}  # step -> loss of the records shown
        self.steps_asked = self.current.step

    def advance(self, n: int) -> Snapshot:
        if self.trainer is not None:
            for _ in range(n - 1):
                self.trainer.step()
            self.current = self.trainer.step(capture=True)
        else:
            self.steps_asked += n
            self._show(max(self.index, bisect.bisect_right(self.run.steps, self.steps_asked) - 1))
        return self.current

    def next_record(self) -> Snapshot:
        if self.trainer is not None:
            return self.advance(1)
        self._show(self.index + 1)
        self.steps_asked = max(self.steps_asked, self.current.step)
        return self.current

    def _show(self, index: int) -> None:
        index = min(index, len(self.run) - 1)
        if index != self.index:
            self.index, self.current = index, self.run[index]

    def losses(self) -> tuple[np.ndarray, np.ndarray]:
        """(n,) steps and their training losses so far, for the chart: every step of live training, the records
        shown so far of a run recording."""
        if self.trainer is not None:
            losses = np.asarray(self.trainer.history[-HISTORY_TAIL:])
            last = self.trainer.step_count
            return np.arange(last - len(losses) + 1, last + 1), losses
        if np.isfinite(self.current.loss):
            self._seen[self.current.step] = self.current.loss
        return np.fromiter(self._seen, int, len(self._seen)), np.fromiter(self._seen.values(), float, len(self._seen))

    def damaged(self, knocked: np.ndarray) -> Snapshot:
        """The current model with the `knocked` reflectors at 0 (the trainer's weights are restored after)."""
        index = weight_indices(self.trainer.layout)[knocked]
        with self.trainer.knocked_out(index):
            return self.trainer.snapshot()

    def set_prompt(self, prompt: str) -> None:
        """Trace `prompt` from now on: the current model, seen through it."""
        self.trainer.set_probe(prompt)
        self.current = self.trainer.snapshot()

    def set_hyperparameters(self, lr, weight_decay) -> None:
        if self.trainer is not None and (lr is not None or weight_decay is not None):
            self.trainer.set_hyperparameters(lr=lr, weight_decay=weight_decay)


def frames_of(request: RecordRequest, director: Director, source: Source, knocked: np.ndarray | None = None):
    """Yield (frame, view) for every movie frame: frame i shows t = i / fps, training advanced as the
    shots say, and the director decides the rest, as it does for the window.

    With `knocked` (an ablation), every frame shows the model as it trains but with those reflectors at 0:
    dark and flat, and the wall shows the damaged model's prediction.
    """
    fps = request.fps

    def show(t: float, before: Snapshot | None = None, playing: bool = False) -> None:
        if knocked is None:
            director.show(source.current, t, before, playing=playing)
        else:
            director.show(source.damaged(knocked), t, knocked=knocked)
        director.chart_losses(*source.losses())

    show(0.0)
    steps_due, t0 = 0.0, 0.0
    spec = director.spec
    for shot in request.shots:
        director.spec = replace(spec, every_position=spec.every_position or shot.every_position)
        source.set_hyperparameters(shot.lr, shot.weight_decay)
        if shot.prompt is not None:
            source.set_prompt(shot.prompt)
            show(t0)
        n = max(1, round(shot.duration * fps))
        cycle_frames = max(2, round(shot.cycle_seconds * fps))
        director.direct(shot.caption, shot.highlight, shot.exaggeration, cycle_seconds=cycle_frames / fps)
        for i in range(n):
            t = t0 + i / fps
            if shot.training == "training":
                steps_due += shot.steps_per_second / fps
                due = int(steps_due + 1e-9)  # 10 x 0.1 is 0.999...: the last step would be lost
                steps_due -= due
                if due:
                    source.advance(due)
                if due or i == 0:
                    show(t, playing=True)
            elif shot.training == "lecture" and i % cycle_frames == 0:
                before = source.current
                source.next_record()
                show(t - 1 / fps, before)  # the cycle's k-th frame shows u = (k + 1) / cycle_frames: it ends on
                # the new weights
            elif shot.training == "pause" and i == 0:
                show(t)
            yield director.frame_at(t), interpolate_camera(shot.cameras, i / max(1, n - 1), director.spec.lattice,
                                                           request.size[0] / request.size[1])
        t0 += n / fps


def run_record(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    request = check_record_args(args, overrides)
    # Ctrl-C stops cleanly with a playable file, even when started from a shell that ignores SIGINT for
    # background jobs (the recorder is meant to be interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from cube_viz.app.train import make_trainer

    if args.from_run:
        from cube_viz.sim.recording import RunRecording

        run = RunRecording(args.from_run)
        source = Source(run=run)
        spec = CubeSpec.build(run[0].params, run.vocab, args.rays, every_position=args.every_position)
    else:
        trainer = make_trainer(overrides, args.checkpoint)
        for prompt in {s.prompt for s in request.shots if s.prompt is not None}:
            trainer.check_prompt(prompt)  # a prompt with no known word: refused before any training
        source = Source(trainer=trainer)
        spec = CubeSpec.build(trainer.initial_parameters(), trainer.dataset.vocab.words, args.rays,
                              every_position=args.every_position)
    director = Director(spec)
    director.hidden = set(args.hide)
    if args.storyboard:  # now the layers are known: check the highlights name real layers, rows and columns
        load_storyboard(args.storyboard, {s.name: (s.rows, s.cols) for s in spec.lattice.slabs})
    total = sum(max(1, round(s.duration * request.fps)) for s in request.shots)

    from cube_viz.render.cube import CubeView
    from cube_viz.render.movie import MovieWriter
    from cube_viz.render.view import grab, offscreen_plotter, set_view

    plotter = offscreen_plotter(request.size, args.look)
    view = CubeView(plotter, spec, text_scale=request.size[1] / 1080, hidden=args.hide)
    bar = tqdm(total=total, unit="frame", desc="recording", file=sys.stderr, dynamic_ncols=True)
    interrupted = False
    with MovieWriter(request.out, request.fps) as movie:
        try:
            knocked = None
            if args.ablate:  # imported here: torch loads only with a model to damage (not for --from-run)
                from cube_viz.sim.ablation import fraction_mask

                knocked = fraction_mask(len(spec.lattice.param_index), args.ablate, source.trainer.config.seed)
            for frame, camera in frames_of(request, director, source, knocked):
                view.update(frame)
                set_view(plotter, camera)
                movie.add(grab(plotter))
                bar.update(1)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
            plotter.close()
    if interrupted:
        print(f"interrupted: {request.out} holds the {movie.frames} frames rendered so far and plays", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"movie: {request.out} ({movie.frames} frames, {request.size[0]}x{request.size[1]}, {request.fps:g} fps)")
    return 0
