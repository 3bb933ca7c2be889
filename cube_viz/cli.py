"""The `cube-viz` command line: argparse subcommands mapped onto the config dataclasses."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from cube_viz import __version__
from cube_viz.app.ablate import add_ablate_flags
from cube_viz.app.record import add_record_flags
from cube_viz.app.run import add_run_flags
from cube_viz.app.scene_args import add_scene_flags
from cube_viz.app.shared_flags import add_shared_flags, check_shared_flags
from cube_viz.config import DEFAULT_CONTEXT, MODEL_ONLY_FIELDS, MODELS, TrainConfig, load_toml
from cube_viz.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, UserError

PROG = "cube-viz"


class Parser(argparse.ArgumentParser):
    """argparse that reports bad flags on one line (exit 2) instead of usage plus error."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 64,64, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one width, e.g. 64,64")
    return values


def add_training_flags(p: argparse.ArgumentParser, window: bool = False) -> None:
    """Flags named like TrainConfig's fields (the prompt, `probe`, is the shared --prompt). Defaults are
    suppressed so only flags given override the config. `window`: worded for the window, which trains until
    paused."""
    d = TrainConfig()
    g = p.add_argument_group("model and training (also settable as TOML keys with _ for -)")
    S = argparse.SUPPRESS
    g.add_argument("--config", metavar="FILE.toml", default=S,
                   help="read these settings from a TOML file; flags win")
    g.add_argument("--corpus", metavar="PATH", default=S,
                   help="UTF-8 text file to learn from (default: bundled corpus)")
    g.add_argument("--max-vocab", type=int, metavar="N", default=S,
                   help=f"keep the N most frequent words (default {d.max_vocab})")
    g.add_argument("--model", choices=MODELS, default=S,
                   help="mlp: the next-word MLP (embeddings of the last K words, concatenated, hidden layers); "
                   "transformer: a tiny decoder-only transformer (causal self-attention and a GELU MLP per block, "
                   "pre-LayerNorm, learned positions, tied unembedding), its attention drawn between the words' "
                   f"lanes (default {d.model})")
    g.add_argument("--context", type=int, metavar="K", default=S,
                   help="words of context: the MLP reads the last K words, the transformer attends over K positions "
                   f"(default {DEFAULT_CONTEXT['mlp']} for the MLP, {DEFAULT_CONTEXT['transformer']} for the "
                   "transformer)")
    g.add_argument("--embed", type=int, metavar="E", default=S, help=f"MLP: embedding size (default {d.embed})")
    g.add_argument("--hidden", type=int_list, metavar="W,W", default=S,
                   help=f"MLP: hidden layer widths (default {','.join(map(str, d.hidden))})")
    g.add_argument("--activation", choices=("tanh", "relu", "gelu", "sigmoid"), default=S,
                   help=f"MLP: activation function, the gel between slabs (default {d.activation})")
    g.add_argument("--layers", type=int, metavar="L", default=S,
                   help=f"transformer: blocks of attention and MLP (default {d.layers})")
    g.add_argument("--heads", type=int, metavar="H", default=S,
                   help=f"transformer: attention heads per block (default {d.heads})")
    g.add_argument("--d-model", type=int, metavar="D", default=S,
                   help=f"transformer: width of the residual stream, a multiple of --heads (default {d.d_model})")
    g.add_argument("--optimizer", choices=("sgd", "adam"), default=S,
                   help=f"sgd, or adam (AdamW: decoupled weight decay) (default {d.optimizer})")
    g.add_argument("--lr", type=float, metavar="RATE", default=S, help=f"learning rate (default {d.lr})")
    g.add_argument("--weight-decay", type=float, metavar="WD", default=S,
                   help=f"weight decay, the stabilizing field (default {d.weight_decay})")
    g.add_argument("--batch-size", type=int, metavar="B", default=S, help=f"examples per step (default {d.batch_size})")
    g.add_argument("--steps", type=int, metavar="N", default=S,
                   help="pause after N steps of training (default: train until paused or closed)" if window else
                   f"optimizer steps to run; with --resume, steps to add (default {d.steps})")
    g.add_argument("--epochs", type=float, metavar="E", default=S,
                   help="pause after E passes over the corpus" if window else
                   "run E passes over the corpus instead of --steps")
    g.add_argument("--seed", type=int, default=S, help=f"random seed: same seed, same weights (default {d.seed})")


def config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """TOML values, then flags on top: the fields of TrainConfig that the user set."""
    values: dict[str, Any] = {}
    if getattr(args, "config", None):
        toml = load_toml(args.config)
        TrainConfig.from_dict(toml, source=f"config {args.config}")  # unknown keys / bad values: fail early
        values.update(toml)
    names = {f for f in TrainConfig.__dataclass_fields__}
    flags = {k: v for k, v in vars(args).items() if k in names}
    if "steps" in flags and "epochs" not in flags:
        values.pop("epochs", None)  # an explicit --steps wins over epochs from a file or checkpoint
        flags["epochs"] = None
    values.update(flags)
    model = values.get("model", TrainConfig.model)
    for other, only in MODEL_ONLY_FIELDS.items():
        given = [k for k in only if k in values]
        if model in MODELS and other != model and given:  # a setting the model would silently ignore
            flag = "--" + given[0].replace("_", "-")
            raise UserError(f"{flag} is a setting of the transformer: add --model transformer" if other == "transformer"
                            else f"{flag} is a setting of the MLP; the transformer's shape is --layers, --heads, "
                            "--d-model and --context")
    return values


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="cube-viz: watch a small language model learn, drawn as a glass cube "
                    "of reflectors. With no command, opens the window (`run`) on the bundled corpus.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    run = sub.add_parser("run", help="open the desktop window: the cube learning live (the default)",
                         description="Open the desktop window: train the model live inside the glass cube, "
                         "with controls, a prompt box, history and an inspector. Press H in the window for keys.")
    add_run_flags(run)
    add_training_flags(run, window=True)
    train = sub.add_parser("train", help="train the model headless, with a progress bar",
                           description="Train the next-word model and report how much it learned. "
                           "Exit codes: 0 done, 2 bad input, 3 diverged, 130 interrupted.")
    add_training_flags(train)
    out = train.add_argument_group("output")
    add_shared_flags(out, "train")
    out.add_argument("--save", metavar="PATH", help="write a checkpoint here at the end (also on Ctrl-C or divergence)")
    out.add_argument("--resume", metavar="PATH", help="continue the run saved in this checkpoint")
    out.add_argument("--record", metavar="PATH", help="keep snapshots every k steps in a run recording (.npz)")
    out.add_argument("--record-every", type=int, metavar="K",
                     help="snapshot interval for --record (default: chosen to keep the file under 50 MB)")
    shot = sub.add_parser("screenshot", help="draw the cube to a PNG (trains first, or --checkpoint)",
                          description="Train the model (or load --checkpoint) and draw the glass cube to a PNG.")
    shot.add_argument("out", metavar="OUT.png", help="the picture to write")
    add_scene_flags(shot, hide=True)
    shot.add_argument("--transparent", action="store_true", help="transparent background (PNG with alpha)")
    add_training_flags(shot)
    export = sub.add_parser("export", help="write the cube as 3D data (.vtm for ParaView/pyvista, .gltf for Blender)",
                            description="Train the model (or load --checkpoint) and write the scene as 3D data.")
    export.add_argument("out", metavar="OUT.vtm|OUT.gltf", help="the scene file to write")
    add_scene_flags(export, scene_file=True)
    add_training_flags(export)
    record = sub.add_parser("record", help="render the cube learning to an MP4 or GIF (offscreen)",
                            description="Train (or replay --from-run) and render the cube frame by frame to a movie: "
                            "training tempo, lecture tempo or a --storyboard of shots. Ctrl-C keeps a playable file.")
    record.add_argument("out", metavar="OUT.mp4|OUT.gif", help="the movie to write")
    add_record_flags(record)
    add_training_flags(record)
    ablate = sub.add_parser("ablate", help="knock reflectors out and measure what the model can still do",
                            description="Set random fractions of the weights, single weights and the most salient "
                            "weight to zero (or, with --each-head, each attention head of the transformer alone), and "
                            "measure held-out loss, accuracy and how much the word wall changes. "
                            "The trained model itself is never changed.")
    add_ablate_flags(ablate)
    add_training_flags(ablate)
    return parser


COMMANDS = {"run": "cube_viz.app.run:run_app", "train": "cube_viz.app.train:run_train",
            "screenshot": "cube_viz.app.screenshot:run_screenshot", "export": "cube_viz.app.export:run_export",
            "ablate": "cube_viz.app.ablate:run_ablate", "record": "cube_viz.app.record:run_record"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["run", *argv]  # the main job: the window, on the embedded defaults
    args = parser.parse_args(argv)
    try:
        check_shared_flags(args)
        overrides = config_overrides(args)
        module, func = COMMANDS[args.command].split(":")
        return getattr(importlib.import_module(module), func)(args, overrides)
    except UserError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # before a command's own clean-stop handling began: nothing made yet
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
