"""Evaluation on a held-out period: every metric on the whole test set and on the
random-inspection labels only (the unbiased sample), beside the random and points-rule
baselines. Precision and recall at k are per as-of date (k = monthly capacity), averaged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.metrics import (
    Metric,
    brier,
    expected_calibration_error,
    points_rule,
    pr_auc,
    precision_at_k,
    recall_at_k,
    roc_auc,
)


def _per_date(frame: pd.DataFrame, y: np.ndarray, scores: np.ndarray, k: int,
              fn: Metric) -> float:
    values = []
    for date in np.unique(frame["as_of"].to_numpy()):
        mine = (frame["as_of"] == date).to_numpy()
        if mine.any():
            values.append(fn(y[mine], scores[mine], k))
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def evaluate_period(frame: pd.DataFrame, scores: np.ndarray, k: int) -> dict[str, float]:
    """Metrics on all labelled rows (`test_*`) and on random-inspection labels only
    (`test_random_*`)."""
    out: dict[str, float] = {}
    rule = points_rule(frame)
    sets = {
        "test_": (np.ones(len(frame), dtype=bool), "label", k),
        "test_random_": (frame["label_random"].notna().to_numpy(), "label_random", None),
    }
    for prefix, (rows, column, fixed_k) in sets.items():
        part = frame.loc[rows]
        y = part[column].to_numpy(dtype=float)
        s, r = scores[rows], rule[rows]
        kk = fixed_k or max(1, round(k * rows.sum() / max(len(frame), 1)))
        precision = _per_date(part, y, s, kk, precision_at_k)
        rule_precision = _per_date(part, y, r, kk, precision_at_k)
        base = float(y.mean()) if len(y) else float("nan")
        out.update({
            f"{prefix}rows": float(len(y)), f"{prefix}positives": float(y.sum()),
            f"{prefix}k": float(kk), f"{prefix}base_rate": base,
            f"{prefix}roc_auc": roc_auc(y, s), f"{prefix}pr_auc": pr_auc(y, s),
            f"{prefix}brier": brier(y, s) if len(y) else float("nan"),
            f"{prefix}ece": expected_calibration_error(y, s),
            f"{prefix}precision_at_k": precision,
            f"{prefix}recall_at_k": _per_date(part, y, s, kk, recall_at_k),
            f"{prefix}rule_precision_at_k": rule_precision,
            f"{prefix}rule_roc_auc": roc_auc(y, r),
            f"{prefix}lift_over_random_at_k": precision / base if base else float("nan"),
            f"{prefix}lift_over_rule_at_k": (precision / rule_precision if rule_precision
                                             else float("nan")),
        })
    return out
