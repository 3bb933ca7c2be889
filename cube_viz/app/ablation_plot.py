"""The ablation figure for slides: loss and accuracy against the fraction of reflectors knocked out."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt
import numpy as np

from cube_viz.sim.ablation import AblationReport


def plot_report(r: AblationReport, path: Path) -> None:
    f = np.array([row["fraction"] for row in r.fractions])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), dpi=150, constrained_layout=True)
    for ax, key, label, fmt in ((axes[0], "loss", "held-out loss (nats)", "{:.2f}"),
                                (axes[1], "accuracy", "held-out next-word accuracy", "{:.0%}")):
        mean = np.array([row[f"{key}_mean"] for row in r.fractions])
        std = np.array([row[f"{key}_std"] for row in r.fractions])
        draws = max(row["draws"] for row in r.fractions)
        ax.plot(f, mean, "o-", color="#d9480f", lw=2.2, label=f"random knock-outs (mean ± sd, {draws} draws)")
        ax.fill_between(f, mean - std, mean + std, color="#d9480f", alpha=0.2)
        ax.axhline(getattr(r.baseline, key), color="#444", ls="--", lw=1.2, label="intact model")
        if key == "loss":
            ax.axhline(r.unigram_entropy, color="#888", ls=":", lw=1.2, label="no context at all (unigram entropy)")
        if r.singles:
            lo, hi = ((r.singles["loss_median"], r.singles["loss_max"]) if key == "loss"
                      else (r.singles["accuracy_min"], r.singles["accuracy_median"]))
            ax.axhspan(min(lo, hi), max(lo, hi) + 1e-9, color="#1c7ed6", alpha=0.35,
                       label=f"one random reflector ({r.singles['count']} tried): median to worst")
        if r.salient:
            ax.plot([1 / r.n_weights], [r.salient[key]], "*", ms=14, color="#1c7ed6",
                    label="the most salient single reflector, |w·grad|")
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlim(0, 1)
        ax.set_xlabel("fraction of reflectors (weights) set to zero")
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _, fmt=fmt: fmt.format(v)))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8.5, loc="best")
    fig.suptitle("One reflector means little; together they predict", fontsize=14)
    fig.savefig(path)
    plt.close(fig)
