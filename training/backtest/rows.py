"""One row of the back-test table for any ranking of a window's visits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from training.inspection_order import summarize
from training.metrics import pr_auc, precision_at_k, roc_auc

Row = dict[str, Any]
# the table's columns, as the JSON keys name them, and as printed
COLUMNS = ("roc_auc", "pr_auc", "precision_top_10", "precision_top_20", "days_earlier_mean",
           "days_earlier_ci_low", "days_earlier_ci_high", "share_found_later",
           "first_half_share")
HEADERS = ("ranking", "window", "ROC-AUC", "PR-AUC", "precision top 10 %",
           "precision top 20 %", "days earlier (95 % CI)", "found later", "first half")


def _known(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def table_row(name: str, window: int | str, dates: npt.ArrayLike, labels: npt.ArrayLike,
              scores: npt.ArrayLike, draws: int = 1000) -> Row:
    """Every column for one ranking of one window's visits; undefined values are None."""
    y = np.asarray(labels, dtype=float)
    score = np.asarray(scores, dtype=float)
    order = summarize(dates, score, y, draws=draws)
    values = {
        "roc_auc": roc_auc(y, score), "pr_auc": pr_auc(y, score),
        "precision_top_10": precision_at_k(y, score, max(1, math.ceil(0.1 * len(y)))),
        "precision_top_20": precision_at_k(y, score, max(1, math.ceil(0.2 * len(y)))),
        "days_earlier_mean": order.days_earlier_mean,
        "days_earlier_ci_low": order.days_earlier_ci_low,
        "days_earlier_ci_high": order.days_earlier_ci_high,
        "share_found_later": order.share_found_later,
        "first_half_share": order.first_half_share,
    }
    return {"name": name, "window": window, **{k: _known(v) for k, v in values.items()}}


def mean_row(rows: list[Row]) -> Row:
    """The mean of each column over windows (the interval: the mean of the bounds)."""
    out: Row = {"name": rows[0]["name"], "window": "mean"}
    for key in COLUMNS:
        known = [r[key] for r in rows if r[key] is not None]
        out[key] = float(np.mean(known)) if known else None
    return out


def _fmt(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def cells(row: Row) -> list[str]:
    """The row as the printed table shows it."""
    days = _fmt(row["days_earlier_mean"], "{:.2f}")
    if row["days_earlier_ci_low"] is not None and row["days_earlier_ci_high"] is not None:
        days += f" ({row['days_earlier_ci_low']:.2f}–{row['days_earlier_ci_high']:.2f})"
    return [row["name"], str(row["window"]), _fmt(row["roc_auc"], "{:.3f}"),
            _fmt(row["pr_auc"], "{:.3f}"), _fmt(row["precision_top_10"], "{:.1%}"),
            _fmt(row["precision_top_20"], "{:.1%}"), days,
            _fmt(row["share_found_later"], "{:.1%}"), _fmt(row["first_half_share"], "{:.1%}")]
