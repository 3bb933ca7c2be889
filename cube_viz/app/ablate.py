"""`cube-viz ablate`: knock reflectors out and measure what the model can still do."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cube_viz.app.paths import writable
from cube_viz.app.shared_flags import add_shared_flags
from cube_viz.config import KNOCKOUT_FRACTIONS
from cube_viz.errors import EXIT_INTERRUPTED, UserError

if TYPE_CHECKING:
    from cube_viz.sim.ablation import AblationReport
    from cube_viz.sim.head_ablation import HeadReport

DRAWS, SINGLES = 5, 200  # the defaults of --draws and --singles (None: not given, so --each-head can refuse them)


def add_ablate_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("ablation")
    add_shared_flags(g, "ablate")
    g.add_argument("--fractions", type=fraction_list, metavar="F,F,...",
                   help="fractions of all weights to knock out at random (default "
                   + ",".join(f"{f:g}" for f in KNOCKOUT_FRACTIONS) + ")")
    g.add_argument("--draws", type=int, metavar="N", help=f"random draws per fraction (default {DRAWS})")
    g.add_argument("--singles", type=int, metavar="N",
                   help=f"single reflectors knocked out one at a time (default {SINGLES})")
    g.add_argument("--each-head", action="store_true",
                   help="transformer: knock out each attention head alone (its columns of attn.o.weight set to 0) "
                   "instead of the random experiments, and show what the probe's prediction loses")
    g.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    g.add_argument("--plot", metavar="PATH.png", help="plot loss and accuracy against the fraction knocked out")


def fraction_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated fractions like 0,0.01,0.1, got {text!r}") from None
    bad = [v for v in values if not 0 <= v <= 1]
    if bad or not values:
        raise argparse.ArgumentTypeError(f"fractions must lie in [0, 1], got {text!r}")
    return values


def run_ablate(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    if args.each_head:
        check_each_head(args, overrides)
    if args.draws is not None and args.draws < 1:
        raise UserError("--draws must be at least 1")
    if args.singles is not None and args.singles < 0:
        raise UserError("--singles must be 0 or more")
    json_path = writable(args.json, "--json") if args.json else None
    plot_path = writable(args.plot, "--plot") if args.plot else None
    if plot_path and plot_path.suffix.lower() != ".png":
        raise UserError(f"--plot writes a PNG: use a .png name, not {plot_path.name}")

    from tqdm import tqdm

    from cube_viz.app.train import make_trainer, train_steps

    trainer = make_trainer(overrides, args.checkpoint)
    if args.each_head and trainer.config.model != "transformer":  # a checkpoint's model, before anything is measured
        raise UserError(f"--each-head knocks out attention heads: the checkpoint {args.checkpoint} holds the "
                        f"{model_name(trainer.config.model)}, which has none")
    if not args.checkpoint and (code := train_steps(trainer, trainer.steps_for(trainer.config))):
        return code
    if args.each_head:
        from cube_viz.sim.head_ablation import run_head_ablation

        report: AblationReport | HeadReport = run_head_ablation(
            trainer, progress=lambda heads: tqdm(heads, desc="knocking out heads", unit="head", file=sys.stderr))
        print_heads(report)
    else:
        from cube_viz.sim.ablation import run_ablation

        report = run_ablation(trainer, KNOCKOUT_FRACTIONS if args.fractions is None else args.fractions,
                              DRAWS if args.draws is None else args.draws,
                              SINGLES if args.singles is None else args.singles, seed=trainer.config.seed,
                              progress=lambda jobs: tqdm(jobs, desc="ablating", unit="experiment", file=sys.stderr))
        print_table(report)
    if json_path:
        json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"figures: {json_path}")
    if plot_path:
        from cube_viz.app.ablation_plot import plot_report

        plot_report(report, plot_path)  # never a HeadReport: --each-head refuses --plot
        print(f"plot: {plot_path}")
    if not report.complete:
        print("interrupted: the figures above are what was measured before Ctrl-C", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def model_name(model: str) -> str:
    """The model as a sentence names it: "MLP", "transformer"."""
    return "MLP" if model == "mlp" else model


def check_each_head(args: argparse.Namespace, overrides: dict[str, Any]) -> None:
    """--each-head's UserErrors that need no model: the MLP asked for, or a flag it would ignore."""
    from cube_viz.config import TrainConfig

    model = overrides.get("model", TrainConfig.model)
    if not args.checkpoint and model != "transformer":
        raise UserError(f"--each-head knocks out attention heads, and the {model_name(model)} has none: add "
                        "--model transformer")
    given = [flag for flag, value in (("--fractions", args.fractions), ("--draws", args.draws),
                                      ("--singles", args.singles), ("--plot", args.plot)) if value is not None]
    if given:
        raise UserError(f"{given[0]} belongs to the random knock-outs; --each-head knocks out heads only "
                        "(its figures: --json)")


def print_table(r: AblationReport) -> None:
    b = r.baseline
    print(f"intact model: held-out loss {b.loss:.3f} nats, accuracy {b.accuracy:.1%} ({r.n_weights} reflectors)")
    print(f"{'knocked out':>12} {'reflectors':>10} {'loss':>15} {'accuracy':>16} {'wall change (TVD)':>19}")
    for f in r.fractions:
        print(f"{f['fraction']:>12.1%} {f['count']:>10} {f['loss_mean']:>8.3f} ± {f['loss_std']:<5.3f}"
              f"{f['accuracy_mean']:>9.1%} ± {f['accuracy_std']:<5.1%} {f['tvd_mean']:>11.3f} ± {f['tvd_std']:.3f}")
    if r.singles:
        s = r.singles
        print(f"one random reflector ({s['count']} tried): loss change median {s['loss_median'] - b.loss:+.5f}, "
              f"max {s['loss_max'] - b.loss:+.5f}; wall change median {s['tvd_median']:.4f}, max {s['tvd_max']:.4f}")
    if r.salient:
        s = r.salient
        print(f"most salient reflector ({s['parameter']} row {s['row']} col {s['col']}, w = {s['weight']:+.3f}): "
              f"loss {s['loss']:.3f} ({s['loss'] - b.loss:+.4f}), accuracy {s['accuracy']:.1%}, "
              f"wall change {s['tvd']:.3f}")


def print_heads(r: HeadReport) -> None:
    b = r.baseline
    print(f'intact model: held-out loss {b.loss:.3f} nats, accuracy {b.accuracy:.1%}; the probe "{r.prompt}" '
          f"-> {r.top_word} ({r.top_probability:.3f})")
    print("each head knocked out alone (its columns of attn.o.weight set to 0; layers and heads count from 0, "
          "as in blocks.0):")
    words = [f"{k.top_word} ({k.top_probability:.3f})" for k in r.knockouts]
    w = max([len("top word after"), *map(len, words)])  # no rows when Ctrl-C came first
    intact = f"p({r.top_word}) after"
    print(f"{'layer':>5}  {'head':>4}  {'loss':>6}  {'change':>6}  {'accuracy':>8}  {'wall change (TVD)':>17}  "
          f"{'top word after':<{w}}  {intact}")
    for k, word in zip(r.knockouts, words, strict=True):
        print(f"{k.layer:>5}  {k.head:>4}  {k.loss:>6.3f}  {k.loss - b.loss:>+6.3f}  {k.accuracy:>8.1%}  "
              f"{k.tvd:>17.3f}  {word:<{w}}  {k.intact_top_probability:>{len(intact)}.3f}")
