"""Evaluation pictures, logged with every run: calibration, precision at capacity, feature
importance, a SHAP summary and the bias audit."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from training.bias import HIGH, LOW
from training.evaluate import list_shares

# group names are Chinese (districts, 片区): Debian's WenQuanYi font where installed (make
# install adds it), DejaVu for the rest. WenQuanYi has no minus sign (U+2212): the hyphen is
# drawn instead; its one weight is 500 (asked for "normal", matplotlib warns for every text)
plt.rcParams.update({
    "font.sans-serif": ["WenQuanYi Zen Hei", "Noto Sans CJK SC", "DejaVu Sans"],
    "axes.unicode_minus": False, "font.weight": 500, "axes.titleweight": 500,
    "axes.labelweight": 500, "figure.titleweight": 500})


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


def tier_reliability(table: pd.DataFrame) -> Figure:
    """Each tier's mean predicted probability against its observed rate (all labels and
    random inspections, IPW, with 95 % intervals), on log axes so tier D is visible."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    x = table["predicted"].to_numpy(dtype=float)
    floor = 1e-3
    top = float(np.nanmax(np.r_[x, table["observed_high"], table["ipw_high"], 0.01]))
    ax.plot([floor, top * 1.5], [floor, top * 1.5], "--", color="grey", label="perfect")
    for column, low, high, label, marker in (
            ("observed", "observed_low", "observed_high", "all labels", "o"),
            ("observed_ipw", "ipw_low", "ipw_high", "random inspections (IPW)", "s")):
        y = np.clip(table[column].to_numpy(dtype=float), floor, None)
        below = np.clip(y - np.clip(table[low].to_numpy(dtype=float), floor, None), 0, None)
        above = np.clip(np.clip(table[high].to_numpy(dtype=float), floor, None) - y, 0, None)
        ax.errorbar(np.clip(x, floor, None), y, yerr=[below, above], fmt=marker, capsize=3,
                    label=label)
    for tier, px in zip(table["tier"], x, strict=True):
        if np.isfinite(px):
            ax.annotate(str(tier), (max(px, floor), floor * 1.2), ha="center")
    ax.set(xscale="log", yscale="log", xlabel="mean predicted probability (tier)",
           ylabel="observed rate", title="Calibration by tier")
    for axis in (ax.xaxis, ax.yaxis):  # "0.1 %", "10 %": no 10⁻³ in an officer's chart
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:g} %"))
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig
