"""Ranking and calibration metrics with one signature: `(y_true, scores, k) -> float`.

Ranked metrics take `k` from the industry's monthly inspection capacity; firms tied at the
k-th score share the last places (`list_share`). Every report shows the model beside two
baselines: random order, and the bureau's points rule. The estimates from random inspections
(`precision_ipw`, `precision_at_k_ipw`) also take each firm's inclusion probability.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

Metric = Callable[[np.ndarray, np.ndarray, int], float]


def list_share(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's share of the top-k list: 1 above the k-th highest score, 0 below it, and for
    the rows tied at the k-th score the fraction of them the list still has room for (the
    expectation over a random order among them: a points rule ties many firms, and which of
    them an arbitrary order happens to list must not decide its precision). Sums to
    min(k, rows); a missing score ranks last."""
    s = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=float))
    k = min(k, len(s))
    share = np.zeros(len(s))
    if k <= 0:
        return share
    kth = -np.partition(-s, k - 1)[k - 1]
    above, tied = s > kth, s == kth
    share[above] = 1.0
    share[tied] = (k - above.sum()) / tied.sum()
    return share


def precision_at_k(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    share = list_share(scores, k)
    return float(share @ y / share.sum()) if share.sum() else float("nan")


def recall_at_k(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    positives = y.sum()
    return float(list_share(scores, k) @ y / positives) if positives else float("nan")


MONTH_DAYS = 365.25 / 12
Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval (norm.ppf(0.975))


def random_outcomes(frame: pd.DataFrame, target: str = "label_random") -> np.ndarray:
    """What the probability means, observed on the randomly inspected rows only (NaN
    elsewhere): their inspections' outcomes (`label_random`), or their `label` where the
    number is the chance of a label event (the random draw is then a sample of firms)."""
    random = frame["label_random"].to_numpy(dtype=float)
    if target == "label_random":
        return random
    return np.where(np.isfinite(random), frame[target].to_numpy(dtype=float), np.nan)


def window_inclusion(monthly: np.ndarray, horizon_days: int | None) -> np.ndarray:
    """The chance of at least one random visit in a label window, from the monthly draw's
    inclusion probability: 1 - (1 - p)^months, as if the firm kept its tier for the window
    (`None`: the monthly probability itself, proportional for firms of one horizon)."""
    monthly = np.asarray(monthly, dtype=float)
    if horizon_days is None:
        return monthly
    return 1.0 - (1.0 - monthly) ** (horizon_days / MONTH_DAYS)


def _hajek(y: np.ndarray, share: np.ndarray, inclusion: np.ndarray
           ) -> tuple[float, np.ndarray, int]:
    """(estimate, each row's influence on it, rows that count): the self-normalised
    Horvitz-Thompson mean of `y` over the rows a random inspection saw, weighted by list share
    over inclusion probability."""
    seen = np.isfinite(y) & (share > 0) & np.isfinite(inclusion) & (inclusion > 0)
    weight = np.where(seen, share / np.where(seen, inclusion, 1.0), 0.0)
    total = weight.sum()
    if total == 0:
        return float("nan"), np.zeros(len(y)), 0
    outcome = np.where(seen, y, 0.0)
    estimate = float(weight @ outcome / total)
    return estimate, weight * (outcome - estimate) / total, int(seen.sum())


def _clustered(influence: np.ndarray, groups: np.ndarray | None) -> float:
    """Standard error from influence values summed per group (a firm seen on several as-of
    dates is one sample, not several)."""
    if groups is not None:
        influence = np.bincount(np.unique(groups, return_inverse=True)[1], weights=influence)
    return float(np.sqrt(np.sum(influence**2)))


def precision_ipw(y_random: np.ndarray, share: np.ndarray, inclusion: np.ndarray,
                  groups: np.ndarray | None = None) -> tuple[float, float, int]:
    """How often a random inspection finds a violation among the listed firms, estimated
    from the random inspections that happened (NaN in `y_random` where none did), each
    weighted by its list share over its inclusion probability (Hajek). The draw favours
    firms the points rule ranks high, so unweighted outcomes would favour the rule.
    Returns (estimate, standard error clustered by `groups`, inspected listed rows)."""
    estimate, influence, seen = _hajek(y_random, share, inclusion)
    return estimate, (_clustered(influence, groups) if seen else float("nan")), seen


def ipw_lift(y_random: np.ndarray, share: np.ndarray, base_share: np.ndarray,
             inclusion: np.ndarray, groups: np.ndarray | None = None) -> tuple[float, float]:
    """(ratio of two lists' `precision_ipw`, standard error of its logarithm): paired, since
    both lists are judged on the same inspections and share most of their firms."""
    a, influence_a, _ = _hajek(y_random, share, inclusion)
    b, influence_b, _ = _hajek(y_random, base_share, inclusion)
    if not (a > 0 and b > 0):
        return (a / b if b > 0 else float("nan")), float("nan")
    return a / b, _clustered(influence_a / a - influence_b / b, groups)


def precision_at_k_ipw(y_random: np.ndarray, scores: np.ndarray, k: int,
                       inclusion: np.ndarray) -> float:
    """`precision_ipw` of the top-k list of one as-of date."""
    return precision_ipw(y_random, list_share(scores, k), inclusion)[0]


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


def ece_noise_floor(scores: np.ndarray, groups: np.ndarray | None = None, draws: int = 200,
                    seed: int = 0) -> float:
    """The expected calibration error a perfectly calibrated model with these probabilities
    would show on these rows by chance: the mean ECE over outcomes drawn from the
    probabilities themselves, one uniform number per group (a firm on consecutive as-of dates,
    whose outcome windows overlap, is nearly one observation, not several)."""
    scores = np.asarray(scores, dtype=float)
    if len(scores) == 0:
        return float("nan")
    inverse = (np.unique(groups, return_inverse=True)[1] if groups is not None
               else np.arange(len(scores)))
    rng = np.random.default_rng(seed)
    size = int(inverse.max()) + 1
    return float(np.mean([
        expected_calibration_error((rng.random(size)[inverse] < scores).astype(float), scores)
        for _ in range(draws)]))


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
