"""One as-of date's feature rows: the one definition batch and online scoring share.

`build_as_of` gives, per industry, one row per firm active on the as-of date: `uscc`,
`town_code`, the features (known_at < as_of only) and the labels (as_of <= known_at <
as_of + horizon). The service calls the same function with `only=[...]` to score given firms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from features.contracts import ACTIVE_STATUSES
from features.firm_state import state_as_of
from features.history import (
    Columns,
    complaint_features,
    inspection_features,
    listing_features,
    penalty_features,
)
from features.labels import LABEL_COLUMNS, label_columns
from features.prepare import REASONS, Prepared, day_of
from features.registry import change_features, firm_features, peer_ratio

FEATURE_SET_VERSION = "1"
CATEGORICAL = ("town_code", "entity_type", "industry_code", "status", "abn_latest_reason")


def history_columns(prep: Prepared, as_of: int) -> Columns:
    cols: Columns = {}
    for family in (change_features, penalty_features, complaint_features,
                   inspection_features, listing_features):
        cols.update(family(prep, as_of))
    return cols


def active_state(prep: Prepared, as_of: pd.Timestamp) -> pd.DataFrame:
    """The register as it stood on `as_of`, firms in business only; index = firm id."""
    state = state_as_of(prep.firms, prep.changes, as_of)
    return state.loc[state["status"].isin(ACTIVE_STATUSES)]


def build_as_of(prep: Prepared, as_of: pd.Timestamp | str,
                industries: Sequence[str] | None = None,
                only: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Feature and label rows per industry for firms active on `as_of` (or only `only`)."""
    as_of = pd.Timestamp(as_of).normalize()
    day = day_of(as_of)
    state = active_state(prep, as_of)
    history = history_columns(prep, day)
    registry = firm_features(state, day, history)
    registry["comp_rate_vs_peer"] = peer_ratio(state, history["comp_365d"])
    if only is not None:
        state = state.loc[state["uscc"].isin(list(only))]
    keys = industries or list(prep.config.industries)
    return {key: _rows(prep, state, registry, history, day, key) for key in keys}


def _rows(prep: Prepared, state: pd.DataFrame, registry: pd.DataFrame, history: Columns,
          day: int, industry: str) -> pd.DataFrame:
    firms = state.loc[state["industry"] == industry]
    idx = firms.index.to_numpy()
    frame = pd.DataFrame({"uscc": firms["uscc"], "town_code": firms["town_code"]})
    frame = frame.join(registry.loc[firms.index])
    for name, values in history.items():
        frame[name] = values[idx]
    reason = frame.pop("abn_latest_reason").to_numpy()
    frame["abn_latest_reason"] = np.where(reason >= 0, np.asarray(REASONS, dtype=object)[
        np.maximum(reason, 0)], "none")
    for name, values in label_columns(prep, day, industry).items():
        frame[name] = values[idx]
    for name in CATEGORICAL:
        frame[name] = frame[name].astype("str")
    return frame.reset_index(drop=True)


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model's inputs: everything but the key and the labels."""
    return [c for c in frame.columns if c not in ("uscc", *LABEL_COLUMNS)]
