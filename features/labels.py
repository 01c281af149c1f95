"""Adverse events and label windows: `as_of <= known_at < as_of + horizon`."""

from __future__ import annotations

import pandas as pd

from features.contracts import VIOLATION_OUTCOMES
from features.industries import Industry


def adverse_events(tables: dict[str, pd.DataFrame], industry: Industry) -> pd.DataFrame:
    """`uscc`, `known_at` of every event that counts as adverse for the industry."""
    parts = []
    if "inspection_violation" in industry.label_events:
        insp = tables["inspections"]
        parts.append(insp.loc[insp["outcome"].isin(VIOLATION_OUTCOMES), ["uscc", "known_at"]])
    if "penalty" in industry.label_events:
        parts.append(tables["penalties"][["uscc", "known_at"]])
    if "serious_violation_list" in industry.label_events:
        lst = tables["abnormal_list"]
        parts.append(lst.loc[lst["list_type"] == "serious_violation", ["uscc", "known_at"]])
    return pd.concat(parts, ignore_index=True)


def label_window(firms: pd.Series, events: pd.DataFrame, as_of: pd.Timestamp,
                 horizon_days: int, data_end: pd.Timestamp) -> pd.Series:
    """1.0 if the firm had an adverse event in the window, 0.0 if not, <NA> if the window
    passes the data end (the latest known_at in the sources)."""
    as_of = pd.Timestamp(as_of)
    stop = as_of + pd.Timedelta(days=horizon_days)
    hit = events.loc[(events["known_at"] >= as_of) & (events["known_at"] < stop), "uscc"]
    if stop - pd.Timedelta(days=1) > pd.Timestamp(data_end):
        return pd.Series(pd.NA, index=firms.index, dtype="Float64")
    return firms.isin(hit).astype("Float64")
