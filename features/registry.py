"""Feature families from the register: the firm itself, its recent changes, related firms.

Related firms share the firm's address or legal representative on the as-of date (cluster
registration and one person behind many firms are named warning signs). Their features need
every active firm, so they are computed from small per-group statistics (`group_stats`) that
the pandas and Dask engines both build from per-firm rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.history import Columns
from features.prepare import CHANGE_KINDS, Prepared
from features.windows import count_within, days, known_before

RELATED_KEYS = {"addr": "address", "rep": "legal_rep_id"}  # 64-bit keys of the text; 0: none
PEER_KEYS = ["town_code", "industry"]


def change_features(prep: Prepared, as_of: int) -> Columns:
    ev, n = prep.events["changes"], prep.size
    known = known_before(ev, as_of)
    out: Columns = {}
    for d in (90, 365):
        out[f"chg_all_{d}d"] = count_within(ev, known, as_of, d, n)
        for i, kind in enumerate(CHANGE_KINDS):
            out[f"chg_{kind}_{d}d"] = count_within(ev, known, as_of, d, n, ev["kind"] == i)
    return out


OWN_FEATURES = ("age_days", "entity_type", "industry_code", "log_capital", "status")
NEEDS = {"age_days": "established_on"}  # the register column each feature reads, if another


def own_features(state: pd.DataFrame, as_of: int | np.ndarray,
                 not_recorded: tuple[str, ...] = ()) -> pd.DataFrame:
    """Registration features of each firm in `state` on its own (index kept), as of one day
    or one day per row; those reading a column the data set has none of (`not_recorded`)
    are left out."""
    out = pd.DataFrame(index=state.index)
    out["age_days"] = (as_of - days(state["established_on"])).astype(float)
    out["entity_type"] = state["entity_type"]
    out["industry_code"] = state["industry_code"]
    out["log_capital"] = np.log1p(state["registered_capital"].astype(float))
    out["status"] = state["status"]
    return out.drop(columns=[c for c in OWN_FEATURES if NEEDS.get(c, c) in not_recorded])


@dataclass
class GroupStats:
    """Per address and per representative: firms, penalised, listed (indexed by the key);
    per town and industry: the median of complaints in the last year."""

    related: dict[str, pd.DataFrame]
    peer_median: pd.Series


def partial_stats(level: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Sums and value counts of any subset of firms; `combine_stats` adds them up exactly."""
    counted = level.assign(_one=1.0)
    parts = {
        name: counted.loc[counted[key] != 0].groupby(key, dropna=True)[
            ["_one", "_penalised", "_listed"]].sum()
        for name, key in RELATED_KEYS.items()
    }
    parts["peer"] = level.groupby([*PEER_KEYS, "comp_365d"]).size().rename("count").to_frame()
    return parts


def _median_from_counts(counts: pd.Series) -> pd.Series:
    """Exact median per group from (group..., value) -> count, as pandas' median computes it."""
    frame = counts.rename("count").reset_index().sort_values([*PEER_KEYS, "comp_365d"])
    grouped = frame.groupby(PEER_KEYS)["count"]
    total = grouped.transform("sum")
    upto = grouped.cumsum()
    low = frame.loc[upto >= (total + 1) // 2].groupby(PEER_KEYS)["comp_365d"].first()
    high = frame.loc[upto >= total // 2 + 1].groupby(PEER_KEYS)["comp_365d"].first()
    return (low + high) / 2


def combine_stats(parts: list[dict[str, pd.DataFrame]]) -> GroupStats:
    related = {}
    for name in RELATED_KEYS:
        summed = pd.concat([p[name] for p in parts]).groupby(level=0).sum()
        related[name] = summed.rename(columns={"_one": "n", "_penalised": "penalised",
                                               "_listed": "listed"})
    peer = pd.concat([p["peer"] for p in parts]).groupby(level=[0, 1, 2])["count"].sum()
    return GroupStats(related, _median_from_counts(peer))


def group_stats(level: pd.DataFrame) -> GroupStats:
    return combine_stats([partial_stats(level)])


def related_features(level: pd.DataFrame, stats: GroupStats) -> pd.DataFrame:
    """Others at the same address / with the same representative, and how many of those are
    penalised (last 3 years) or on the abnormal list; complaints against the peer median."""
    out = pd.DataFrame(index=level.index)
    for name, key in RELATED_KEYS.items():
        keys = level[key].to_numpy()
        group = stats.related[name].reindex(keys)
        has = group["n"].notna().to_numpy() & (keys != 0)
        own_pen, own_listed = level["_penalised"].to_numpy(), level["_listed"].to_numpy()
        out[f"{name}_firms"] = np.where(has, group["n"].to_numpy() - 1, 0.0)
        out[f"{name}_firms_penalised"] = np.where(has, group["penalised"].to_numpy() - own_pen,
                                                  0.0)
        out[f"{name}_firms_listed"] = np.where(has, group["listed"].to_numpy() - own_listed,
                                               0.0)
    median = stats.peer_median.reindex(pd.MultiIndex.from_frame(level[PEER_KEYS])).to_numpy()
    out["comp_rate_vs_peer"] = (level["comp_365d"].to_numpy() + 1) / (median + 1)
    return out
