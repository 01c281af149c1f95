"""One as-of date's feature rows: the one definition batch and online scoring share.

`build_as_of` gives, per industry, one row per firm active on the as-of date: `uscc`,
`town_code`, the features (known_at < as_of only) and the labels (as_of <= known_at <
as_of + horizon). It runs in three steps that the Dask engine reuses unchanged: per-firm rows
(`firm_level`, any subset of firms with all their events), group statistics over all firms
(`group_stats`), and the finished rows (`finish`). The service builds a date's rows once with
it and explains single firms from them; `only=[...]` keeps the rows of given firms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from features.contracts import ACTIVE_STATUSES
from features.history import (
    Columns,
    complaint_features,
    inspection_features,
    listing_features,
    nearby_complaint_features,
    penalty_features,
)
from features.labels import LABEL_COLUMNS, label_columns
from features.prepare import REASONS, Prepared
from features.registry import (
    OWN_FEATURES,
    GroupStats,
    change_features,
    group_stats,
    own_features,
    related_features,
)
from features.windows import day_of

# 2: abn_open_days; 3: graded visits and nearby complaints; 4: visit kinds, scores, ungraded
# violation counts, registration columns a data set has none of; 5: label_random over the next
# month where the probability is that an inspection finds a problem
FEATURE_SET_VERSION = "5"
# the categorical inputs a dataset can hold (an inspection cohort adds the visit's own)
CATEGORICAL = ("town_code", "entity_type", "industry_code", "status", "abn_latest_reason",
               "visit_inspector", "visit_kind")
HELPERS = ["industry", "address", "legal_rep_id", "_penalised", "_listed"]


def history_columns(prep: Prepared, as_of: int) -> Columns:
    cols: Columns = {}
    for family in (change_features, penalty_features, complaint_features,
                   inspection_features, listing_features, nearby_complaint_features):
        cols.update(family(prep, as_of))
    return cols


def active_state(prep: Prepared, as_of: pd.Timestamp) -> pd.DataFrame:
    """The register as it stood on `as_of`, firms in business only; index = firm id."""
    return prep.register.as_of(prep.firms, as_of, ACTIVE_STATUSES)


def firm_level(prep: Prepared, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every active firm's own features, history and labels, plus the keys that relate it to
    other firms; index = firm id in `prep`."""
    day = day_of(as_of)
    state = active_state(prep, as_of)
    idx = state.index.to_numpy()
    level = state[["uscc", "town_code", *HELPERS[:3]]].join(
        own_features(state, day, prep.meta.not_recorded))
    history = history_columns(prep, day)
    for name, values in history.items():
        level[name] = values[idx]
    labels = {name: np.full(len(level), np.nan) for name in LABEL_COLUMNS}
    for key in prep.config.industries:
        mine = (level["industry"] == key).to_numpy()
        for name, values in label_columns(prep, day, key).items():
            labels[name][mine] = values[idx[mine]]
    return with_helpers(level, labels)


def with_helpers(level: pd.DataFrame, labels: dict[str, np.ndarray]) -> pd.DataFrame:
    """The latest listing reason as text, the labels, and the per-firm values the related
    firms' features count (`_penalised`, `_listed`)."""
    reason = level.pop("abn_latest_reason").to_numpy()
    level["abn_latest_reason"] = np.where(
        reason >= 0, np.asarray(REASONS, dtype=object)[np.maximum(reason, 0)], "none")
    for name, values in labels.items():
        level[name] = values
    level["_penalised"] = (level["pen_1095d"] > 0).astype(float)
    level["_listed"] = level["abn_listed_now"]
    return level


def finish(level: pd.DataFrame, stats: GroupStats, industries: Sequence[str]
           ) -> dict[str, pd.DataFrame]:
    """Add the related-firm and peer features; one frame per industry, columns in order."""
    full, order = joined(level, related_features(level, stats))
    out = {}
    for key in industries:
        frame = full.loc[full["industry"] == key, order].sort_values("uscc")
        out[key] = as_text(frame).reset_index(drop=True)
    return out


def joined(level: pd.DataFrame, related: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per-firm rows with their related-firm columns, and the rows' column order (key, own
    features, related firms, history, labels)."""
    own = [c for c in level.columns if c not in HELPERS and c not in LABEL_COLUMNS]
    registered = 2 + sum(name in level for name in OWN_FEATURES)
    order = own[:registered] + list(related.columns) + own[registered:] + list(LABEL_COLUMNS)
    return level.join(related), order


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The categorical columns as text (a data set may have no entity types or codes)."""
    for name in CATEGORICAL:
        if name in frame:
            frame[name] = frame[name].astype("str")
    return frame


def build_as_of(prep: Prepared, as_of: pd.Timestamp | str,
                industries: Sequence[str] | None = None,
                only: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Feature and label rows per industry for firms active on `as_of` (or only `only`)."""
    level = firm_level(prep, pd.Timestamp(as_of).normalize())
    stats = group_stats(level)
    if only is not None:
        level = level.loc[level["uscc"].isin(list(only))]
    return finish(level, stats, industries or list(prep.config.industries))


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model's inputs: everything but the key and the labels."""
    return [c for c in frame.columns if c not in ("uscc", *LABEL_COLUMNS)]
