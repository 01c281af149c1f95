"""Per-firm aggregates of event arrays over time windows before an as-of day (bincount)."""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_DAY = np.iinfo(np.int64).min


def days(values: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (NaT becomes the largest int64: never reached)."""
    dates = values.to_numpy(dtype="datetime64[D]")
    out = dates.astype(np.int64)
    out[np.isnat(dates)] = np.iinfo(np.int64).max
    return out


def day_of(date: pd.Timestamp | str) -> int:
    """One date as whole days since 1970."""
    return int(np.datetime64(pd.Timestamp(date).date(), "D").astype(np.int64))


def known_before(events: dict[str, np.ndarray], as_of: int) -> np.ndarray:
    """Events the bureau knew before the as-of day, of registered firms."""
    return (events["day"] < as_of) & (events["firm"] >= 0)


def count(firm: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Events (or the sum of `weights`) per firm; float whenever weights are given."""
    out = np.bincount(firm, weights=weights, minlength=n)[:n]
    return out if weights is None else out.astype(np.float64)


def count_within(events: dict[str, np.ndarray], known: np.ndarray, as_of: int, days: int,
                 n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Events per firm with as_of - days <= day < as_of (and `mask`)."""
    hit = known & (events["day"] >= as_of - days)
    if mask is not None:
        hit &= mask
    return count(events["firm"][hit], n).astype(np.float64)


def last_day(events: dict[str, np.ndarray], hit: np.ndarray, n: int) -> np.ndarray:
    """Latest day per firm among `hit` events (NO_DAY where none)."""
    out = np.full(n, NO_DAY, dtype=np.int64)
    np.maximum.at(out, events["firm"][hit], events["day"][hit])
    return out


def days_since(last: np.ndarray, as_of: int) -> np.ndarray:
    return np.where(last == NO_DAY, np.nan, (as_of - last).astype(np.float64))


def max_value(firm: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=values.dtype)
    np.maximum.at(out, firm, values)
    return out


def edge_value(events: dict[str, np.ndarray], hit: np.ndarray, values: np.ndarray, n: int,
               missing: float, latest: bool) -> np.ndarray:
    """The value of each firm's earliest (or latest) `hit` event; ties go to the earlier (or
    later) row; `missing` where a firm has none."""
    rows = np.flatnonzero(hit)
    order = rows[np.lexsort((rows, events["day"][rows]))]
    if latest:
        order = order[::-1]
    firms, first = np.unique(events["firm"][order], return_index=True)
    out = np.full(n, missing, dtype=values.dtype)
    out[firms] = values[order[first]]
    return out


def latest_value(events: dict[str, np.ndarray], hit: np.ndarray, values: np.ndarray,
                 n: int, missing: int = -1) -> np.ndarray:
    """The value of each firm's latest `hit` event (ties: the later row)."""
    return edge_value(events, hit, values, n, missing, latest=True)


def share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)
