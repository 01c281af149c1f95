"""How much earlier a risk ranking finds violations than the real inspection schedule.

The City of Chicago's evaluation of its food-inspection model (2014): keep the real inspection
dates and the real number of inspections per day, but visit the inspections in the order of
their scores. The highest score takes the earliest real date, the next the next one, and so on;
a day with n real inspections receives the next n scores. For each inspection that found a
violation, *days earlier* = actual date - simulated date.

Ties in score are broken by the actual date, so equal scores keep the real order among
themselves (a constant score reproduces the real schedule: 0 days earlier); only rows equal in
both score and date fall back to input position (the published R code breaks every tie by
position, its rows sorted by Inspection_ID). All functions are pure and vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from training.metrics import precision_at_k

Dates = npt.ArrayLike  # anything np.asarray turns into datetime64 (day precision)


def _days(dates: Dates) -> np.ndarray:
    """Dates as whole days since the epoch (int64)."""
    return np.asarray(dates, dtype="datetime64[D]").astype(np.int64)


def schedule_order(dates: Dates, scores: npt.ArrayLike) -> np.ndarray:
    """Indices in the model's visiting order: score descending, then actual date, then
    position. Works on the last axis, so a (draws, n) stack of resamples sorts row by row."""
    days = _days(dates)
    score = np.asarray(scores, dtype=float)
    position = np.broadcast_to(np.arange(score.shape[-1]), score.shape)
    return np.lexsort((position, days, -score), axis=-1)


def simulated_days(dates: Dates, scores: npt.ArrayLike) -> np.ndarray:
    """Day (since the epoch) each inspection gets when visited in score order (last axis)."""
    days = _days(dates)
    order = schedule_order(days, scores)
    simulated = np.empty_like(days)
    np.put_along_axis(simulated, order, np.sort(days, axis=-1), axis=-1)
    return simulated


def days_earlier(dates: Dates, scores: npt.ArrayLike, labels: npt.ArrayLike) -> np.ndarray:
    """Actual - simulated date in days for each positive inspection (in input order);
    negative when the ranking would have found it later."""
    days = _days(dates)
    positive = np.asarray(labels).astype(bool)
    return (days - simulated_days(days, scores))[positive].astype(float)


def bootstrap_days_earlier(dates: Dates, scores: npt.ArrayLike, labels: npt.ArrayLike,
                           draws: int = 1000, seed: int = 0, level: float = 0.95
                           ) -> tuple[float, float]:
    """Percentile interval of mean days earlier over resamples of the inspections (with
    replacement; each resample is rescheduled from scratch). Seeded, so repeatable."""
    days = _days(dates)
    score = np.asarray(scores, dtype=float)
    positive = np.asarray(labels).astype(bool)
    pick = np.random.default_rng(seed).integers(0, len(days), size=(draws, len(days)))
    gain = (days[pick] - simulated_days(days[pick], score[pick])) * positive[pick]
    count = positive[pick].sum(axis=1)
    means = np.divide(gain.sum(axis=1), count, out=np.full(draws, np.nan), where=count > 0)
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(means, [tail, 100 - tail])
    return float(low), float(high)


def first_half_share(dates: Dates, scores: npt.ArrayLike, labels: npt.ArrayLike
                     ) -> tuple[float, float]:
    """(business as usual, model) as published: the share of all positives whose actual date
    is before the median date, and the share among the top half of scores (the first n // 2
    inspections of the model's order). The two halves can differ by a few inspections (810
    against 818 on the Chicago test period); `first_half_share_same_days` compares equal
    slots."""
    days = _days(dates)
    positive = np.asarray(labels).astype(bool)
    if not positive.any():
        return float("nan"), float("nan")
    usual = (days < np.median(days))[positive].mean()
    top = np.zeros(len(days), dtype=bool)
    top[schedule_order(days, scores)[: len(days) // 2]] = True
    return float(usual), float(top[positive].mean())


def first_half_share_same_days(dates: Dates, scores: npt.ArrayLike, labels: npt.ArrayLike
                               ) -> float:
    """Share of all positives the model's schedule visits on the real days before the median
    date: the same slots as business as usual (on the Chicago test period these are also the
    days of the published R code's `binsA`)."""
    days = _days(dates)
    positive = np.asarray(labels).astype(bool)
    if not positive.any():
        return float("nan")
    return float((simulated_days(days, scores) < np.median(days))[positive].mean())


def daily_capacity(dates: Dates) -> int:
    """Inspections per real inspection day: all inspections / distinct dates, rounded."""
    days = _days(dates)
    return max(1, round(len(days) / len(np.unique(days)))) if len(days) else 0


def precision_at_daily_capacity(dates: Dates, scores: npt.ArrayLike,
                                labels: npt.ArrayLike) -> float:
    """Share of positives among the k highest scores, k = the daily capacity: the hit rate of
    one average day of score-ordered inspections (random order expects the base rate). Ties at
    the k-th score count in expectation, as in `training.metrics.precision_at_k`."""
    return precision_at_k(np.asarray(labels, dtype=float), np.asarray(scores, dtype=float),
                          daily_capacity(dates))


@dataclass(frozen=True)
class OrderSummary:
    """Every schedule metric of one ranking on one test period."""

    positives: int
    days_earlier_mean: float
    days_earlier_ci_low: float
    days_earlier_ci_high: float
    days_earlier_median: float
    days_earlier_max: float
    share_found_later: float
    first_half_share_usual: float
    first_half_share: float
    first_half_share_same_days: float
    daily_capacity: int
    precision_at_daily_capacity: float
    base_rate: float


def summarize(dates: Dates, scores: npt.ArrayLike, labels: npt.ArrayLike,
              draws: int = 1000, seed: int = 0) -> OrderSummary:
    """Days earlier (mean, bootstrap interval, median, max, share found later), first-half
    shares and precision at daily capacity of one ranking."""
    gain = days_earlier(dates, scores, labels)
    y = np.asarray(labels, dtype=float)
    low, high = bootstrap_days_earlier(dates, scores, labels, draws, seed)
    usual, model = first_half_share(dates, scores, labels)
    empty = len(gain) == 0
    return OrderSummary(
        positives=len(gain),
        days_earlier_mean=float("nan") if empty else float(gain.mean()),
        days_earlier_ci_low=low, days_earlier_ci_high=high,
        days_earlier_median=float("nan") if empty else float(np.median(gain)),
        days_earlier_max=float("nan") if empty else float(gain.max()),
        share_found_later=float("nan") if empty else float((gain < 0).mean()),
        first_half_share_usual=usual, first_half_share=model,
        first_half_share_same_days=first_half_share_same_days(dates, scores, labels),
        daily_capacity=daily_capacity(dates),
        precision_at_daily_capacity=precision_at_daily_capacity(dates, scores, labels),
        base_rate=float(y.mean()) if len(y) else float("nan"),
    )
