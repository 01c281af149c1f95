"""The paired difference in ROC-AUC, riskwarn - the best reference, over windows: the mean of
the windows' differences, with a bootstrap interval that resamples each window's visits (the
same draw for both rankings, so what the two share cancels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score


@dataclass(frozen=True)
class Paired:
    reference: str
    mean: float
    ci_low: float
    ci_high: float
    windows: int


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan")


def paired_difference(reference: str, windows: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                      draws: int = 500, seed: int = 0, level: float = 0.95) -> Paired:
    """`windows`: (labels, riskwarn's scores, the reference's scores) per window."""
    rng = np.random.default_rng(seed)
    point = np.nanmean([_auc(y, a) - _auc(y, b) for y, a, b in windows])
    totals = np.zeros(draws)
    for y, mine, theirs in windows:
        for d in range(draws):
            pick = rng.integers(0, len(y), len(y))
            totals[d] += _auc(y[pick], mine[pick]) - _auc(y[pick], theirs[pick])
    means = totals / len(windows)
    tail = (1 - level) / 2
    low, high = np.nanquantile(means, [tail, 1 - tail])
    return Paired(reference, float(point), float(low), float(high), len(windows))
