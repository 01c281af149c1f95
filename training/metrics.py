"""Ranking and calibration metrics with one signature: `(y_true, scores, k) -> float`.

Ranked metrics take `k` from the industry's monthly inspection capacity. Every report shows
the model beside two baselines: random order, and the bureau's points rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

Metric = Callable[[np.ndarray, np.ndarray, int], float]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores (ties broken by position, stable)."""
    order = np.argsort(-scores, kind="stable")
    return order[: min(k, len(scores))]


def precision_at_k(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    top = _top(scores, k)
    return float(y[top].mean()) if len(top) else float("nan")


def recall_at_k(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    positives = y.sum()
    return float(y[_top(scores, k)].sum() / positives) if positives else float("nan")


def roc_auc(y: np.ndarray, scores: np.ndarray, k: int = 0) -> float:
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else float("nan")


def pr_auc(y: np.ndarray, scores: np.ndarray, k: int = 0) -> float:
    return float(average_precision_score(y, scores)) if y.sum() > 0 else float("nan")


def brier(y: np.ndarray, scores: np.ndarray, k: int = 0) -> float:
    return float(brier_score_loss(y, np.clip(scores, 0, 1)))


def expected_calibration_error(y: np.ndarray, scores: np.ndarray, k: int = 0,
                               bins: int = 10) -> float:
    """Mean |observed rate - mean probability| over equal-count bins, weighted by size."""
    if len(y) == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    total = 0.0
    for part in np.array_split(order, min(bins, len(order))):
        total += len(part) * abs(y[part].mean() - scores[part].mean())
    return float(total / len(y))


# name: (metric, higher is better)
METRICS: dict[str, tuple[Metric, bool]] = {
    "roc_auc": (roc_auc, True),
    "pr_auc": (pr_auc, True),
    "brier": (brier, False),
    "ece": (expected_calibration_error, False),
    "precision_at_k": (precision_at_k, True),
    "recall_at_k": (recall_at_k, True),
}


RULE_POINTS = {"pen_1095d": 3.0, "abn_listed_now": 2.0, "serious_listed": 3.0,
               "comp_365d": 1.0}


def points_rule(frame: pd.DataFrame) -> np.ndarray:
    """The bureau's points rule: penalties (3 years), abnormal and serious listing, and
    complaints (last year) counted, 3 / 2 / 3 / 1 points each."""
    points = np.zeros(len(frame))
    for column, weight in RULE_POINTS.items():
        points += weight * frame[column].to_numpy(dtype=float)
    return points


def evaluate(y: np.ndarray, scores: np.ndarray, rule: np.ndarray, k: int,
             prefix: str) -> dict[str, float]:
    """Every metric of the model, precision of both baselines, and the lifts over them."""
    out = {f"{prefix}{name}": fn(y, scores, k) for name, (fn, _) in METRICS.items()}
    base = float(y.mean()) if len(y) else float("nan")
    rule_precision = precision_at_k(y, rule, k)
    model_precision = out[f"{prefix}precision_at_k"]
    out[f"{prefix}rule_precision_at_k"] = rule_precision
    out[f"{prefix}base_rate"] = base
    out[f"{prefix}lift_over_random_at_k"] = model_precision / base if base else float("nan")
    out[f"{prefix}lift_over_rule_at_k"] = (model_precision / rule_precision
                                           if rule_precision else float("nan"))
    out[f"{prefix}rows"] = float(len(y))
    out[f"{prefix}k"] = float(min(k, len(y)))
    return out
