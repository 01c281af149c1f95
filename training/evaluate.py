"""Evaluation on a held-out period: every metric on the whole test set and on the
random-inspection labels only (the unbiased sample), beside the random and points-rule
baselines. Precision and recall at k are per as-of date (k = monthly capacity), averaged.

`label` records where inspectors went, and the bureau's draw sends them where the points rule
points, so precision on it favours the rule. The `*_random_ipw` figures answer the question a
list is for, how often an inspection of a listed firm finds a violation, from the random
inspections alone, each weighted by the inverse of its inclusion probability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.metrics import (
    Metric,
    brier,
    ece_noise_floor,
    expected_calibration_error,
    ipw_lift,
    list_share,
    points_rule,
    pr_auc,
    precision_at_k,
    precision_ipw,
    random_outcomes,
    recall_at_k,
    roc_auc,
    window_inclusion,
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


def list_shares(frame: pd.DataFrame, scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's share of its as-of date's top-k list (`metrics.list_share`)."""
    share = np.zeros(len(frame))
    dates = frame["as_of"].to_numpy()
    for date in np.unique(dates):
        mine = np.flatnonzero(dates == date)
        share[mine] = list_share(np.asarray(scores, dtype=float)[mine], k)
    return share


def random_ipw(frame: pd.DataFrame, scores: np.ndarray, k: int,
               horizon_days: int | None, target: str = "label_random") -> dict[str, float]:
    """Precision at capacity of the model's and the points rule's lists, estimated from the
    randomly inspected firms (`metrics.random_outcomes` of `target`) weighted by inverse
    inclusion probability (pooled over the as-of dates; standard errors count a firm seen on
    several dates once)."""
    y = random_outcomes(frame, target)
    inclusion = window_inclusion(frame["random_inclusion_prob"].to_numpy(dtype=float),
                                 horizon_days)
    firms = frame["uscc"].to_numpy() if "uscc" in frame else None
    model, rule = list_shares(frame, scores, k), list_shares(frame, points_rule(frame), k)
    precision, se, seen = precision_ipw(y, model, inclusion, firms)
    rule_precision, rule_se, _ = precision_ipw(y, rule, inclusion, firms)
    base, _, _ = precision_ipw(y, np.ones(len(y)), inclusion, firms)
    lift, lift_se = ipw_lift(y, model, rule, inclusion, firms)
    return {
        "test_precision_at_k_random_ipw": precision,
        "test_precision_at_k_random_ipw_se": se,
        "test_random_ipw_listed": float(seen),
        "test_rule_precision_at_k_random_ipw": rule_precision,
        "test_rule_precision_at_k_random_ipw_se": rule_se,
        "test_random_ipw_base_rate": base,
        "test_lift_over_rule_at_k_random_ipw": lift,
        "test_lift_over_rule_at_k_random_ipw_log_se": lift_se,
    }


def evaluate_period(frame: pd.DataFrame, scores: np.ndarray, k: int,
                    horizon_days: int | None = None, target: str = "label"
                    ) -> dict[str, float]:
    """Metrics on all labelled rows (`test_*`), on random-inspection labels only
    (`test_random_*`), and precision at capacity from random inspections weighted by inverse
    inclusion probability (`test_*_random_ipw`; `horizon_days` turns the monthly draw's
    probability into the label window's). `test_calibration_ece` is the calibration error on
    what the probability means (`target`: `label`, or `label_random`, random inspections'
    outcomes), beside what a perfectly calibrated model would show on those rows by chance
    (`test_ece_noise_floor`)."""
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
    seen = frame[target].notna().to_numpy()
    out["test_calibration_ece"] = out["test_ece" if target == "label" else "test_random_ece"]
    out["test_ece_noise_floor"] = ece_noise_floor(
        scores[seen], frame["uscc"].to_numpy()[seen] if "uscc" in frame else None)
    out.update(random_ipw(frame, scores, k, horizon_days, target))
    return out
