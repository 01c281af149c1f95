"""Evaluation pictures, logged with every run: calibration, precision at capacity, feature
importance, a SHAP summary and the bias audit."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from training.bias import HIGH, LOW
from training.evaluate import list_shares


def close(figure: Figure) -> None:
    """Free a figure once it is logged (pyplot keeps every open figure)."""
    plt.close(figure)


def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> Figure:
    fig, ax = plt.subplots(figsize=(5, 5))
    order = np.argsort(p)
    parts = [part for part in np.array_split(order, min(bins, len(order))) if len(part)]
    ax.plot([0, max(p.max(), y.mean()) * 1.05], [0, max(p.max(), y.mean()) * 1.05], "--",
            color="grey", label="perfect")
    ax.plot([p[s].mean() for s in parts], [y[s].mean() for s in parts], "o-", label="model")
    ax.set(xlabel="predicted probability", ylabel="observed rate", title="Calibration")
    ax.legend()
    fig.tight_layout()
    return fig


def precision_curve(frame: pd.DataFrame, curves: dict[str, np.ndarray], k: int) -> Figure:
    """Precision among the top-k of each as-of date, averaged, for k up to twice capacity."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = np.unique(np.linspace(1, max(2 * k, 2), 40).astype(int))
    y = frame["label"].to_numpy(dtype=float)
    dates = frame["as_of"].to_numpy()
    for name, scores in curves.items():
        values = []
        for kk in ks:  # ties share the last places, as in `metrics.precision_at_k`
            share = list_shares(frame, scores, int(kk))
            values.append(np.mean([share[dates == d] @ y[dates == d] / share[dates == d].sum()
                                   for d in np.unique(dates)]))
        ax.plot(ks, values, label=name)
    ax.axvline(k, color="grey", linestyle="--", label=f"capacity {k}")
    ax.set(xlabel="firms inspected per month (k)", ylabel="precision", title="Precision at k")
    ax.legend()
    fig.tight_layout()
    return fig


def bar_chart(values: pd.Series, title: str, xlabel: str) -> Figure:
    top = values.sort_values().tail(20)
    fig, ax = plt.subplots(figsize=(6, max(3, 0.3 * len(top))))
    ax.barh(list(top.index), top.to_numpy())
    ax.set(title=title, xlabel=xlabel)
    fig.tight_layout()
    return fig


def bias_chart(report: pd.DataFrame) -> Figure:
    """FPR and FDR disparities of the groups big enough to judge (the reference at 1)."""
    judged = report.loc[report["judged"]]
    fig, axes = plt.subplots(1, 2, figsize=(10, max(3, 0.25 * len(judged))), sharey=True)
    labels = judged["attribute"] + ":" + judged["group"].astype(str)
    for ax, rate in zip(axes, ("fpr_disparity", "fdr_disparity"), strict=True):
        ax.barh(labels, judged[rate].fillna(0))
        for line in (LOW, 1.0, HIGH):
            ax.axvline(line, color="grey", linestyle="--" if line != 1.0 else "-")
        ax.set(title=rate.replace("_", " "), xlabel="ratio to the reference group")
    small = int((~report["judged"]).sum())
    fig.suptitle(f"{len(judged)} groups judged; {small} too small to judge (not shown)",
                 fontsize=9)
    fig.tight_layout()
    return fig
