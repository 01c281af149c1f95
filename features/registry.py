"""Feature families from the register: the firm itself, its recent changes, related firms.

Related firms share the firm's address or legal representative on the as-of date (cluster
registration and one person behind many firms are named warning signs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.history import Columns
from features.prepare import CHANGE_KINDS, Prepared, days
from features.windows import count_within, known_before


def change_features(prep: Prepared, as_of: int) -> Columns:
    ev, n = prep.events["changes"], prep.size
    known = known_before(ev, as_of)
    out: Columns = {}
    for d in (90, 365):
        out[f"chg_all_{d}d"] = count_within(ev, known, as_of, d, n)
        for i, kind in enumerate(CHANGE_KINDS):
            out[f"chg_{kind}_{d}d"] = count_within(ev, known, as_of, d, n, ev["kind"] == i)
    return out


def _others(keys: pd.Series, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many other rows share its key, and how many of those are flagged."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    valid = codes >= 0
    size = np.bincount(codes[valid], minlength=len(uniques))
    flagged = np.bincount(codes[valid], weights=flags[valid], minlength=len(uniques))
    others = np.where(valid, size[np.maximum(codes, 0)] - 1, 0).astype(float)
    others_flagged = np.where(valid, flagged[np.maximum(codes, 0)] - flags, 0.0)
    return others, others_flagged


def firm_features(state: pd.DataFrame, as_of: int, history: Columns) -> pd.DataFrame:
    """Registration and related-firm features for the firms in `state` (index = firm id)."""
    idx = state.index.to_numpy()
    penalised = (history["pen_1095d"][idx] > 0).astype(float)
    listed = history["abn_listed_now"][idx]
    out = pd.DataFrame(index=state.index)
    out["age_days"] = (as_of - days(state["established_on"])).astype(float)
    out["entity_type"] = state["entity_type"]
    out["industry_code"] = state["industry_code"]
    out["log_capital"] = np.log1p(state["registered_capital"].astype(float))
    out["status"] = state["status"]
    for name, key in (("addr", state["address"]), ("rep", state["legal_rep_id"])):
        others, others_penalised = _others(key, penalised)
        out[f"{name}_firms"] = others
        out[f"{name}_firms_penalised"] = others_penalised
        out[f"{name}_firms_listed"] = _others(key, listed)[1]
    return out


def peer_ratio(state: pd.DataFrame, complaints_365d: np.ndarray) -> np.ndarray:
    """A firm's complaints in the last year against the median of its town and industry."""
    counts = pd.Series(complaints_365d[state.index.to_numpy()], index=state.index)
    median = counts.groupby([state["town_code"], state["industry"]]).transform("median")
    return ((counts + 1) / (median + 1)).to_numpy()
