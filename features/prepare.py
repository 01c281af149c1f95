"""Sources made ready for point-in-time building, once, and reused for every as-of date.

Every event table becomes NumPy arrays: `firm` (row in `firms`, or -1), `day` (its `known_at`
as days since 1970) and the few values the features read. Complaints named only by text are
matched to firms here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.contracts import SEVERITY_LEVELS, VIOLATION_OUTCOMES, VISIT_KINDS
from features.firm_state import RegisterHistory, firm_ids
from features.industries import IndustryConfig, default_config, industry_of
from features.matching import match_subjects
from features.metadata import DEFAULT_META, DatasetMeta
from features.nearby import nearby_pairs
from features.windows import days

# 行政处罚法 art. 9, from mild to severe
SEVERITY: dict[str, int] = {
    "警告": 1, "通报批评": 1,
    "罚款": 2, "没收违法所得": 2, "没收非法财物": 2,
    "暂扣许可证件": 3, "降低资质等级": 3, "吊销许可证件": 3,
    "限制开展生产经营活动": 4, "责令停产停业": 4, "责令关闭": 4, "限制从业": 4,
}
CHANGE_KINDS = ("legal_rep", "address", "capital_decrease")
FIRM_COLUMNS = ("uscc", "town_code", "entity_type", "industry_code", "established_on",
                "registered_capital", "status", "address", "legal_rep_id", "known_at")
REASONS = ("annual_report", "instant_info", "false_info", "unreachable", "abnormal_3y",
           "serious_violation")


@dataclass
class Prepared:
    """Registrations (row number = firm id) and the event arrays the features read."""

    firms: pd.DataFrame
    register: RegisterHistory
    events: dict[str, dict[str, np.ndarray]]
    data_end: pd.Timestamp
    config: IndustryConfig
    category_groups: tuple[str, ...]
    match: dict[str, float] = field(default_factory=dict)
    meta: DatasetMeta = DEFAULT_META
    visit_kinds: tuple[int, ...] = ()  # the kinds (positions in VISIT_KINDS) of any visit

    @property
    def size(self) -> int:
        return len(self.firms)


RELATED_FIELDS = ("address", "legal_rep_id")  # grouped by 64-bit key, not by text


def _severity(kinds: pd.Series) -> np.ndarray:
    levels = np.zeros(len(kinds), dtype=np.int64)
    text = kinds.astype("string").fillna("")
    for kind, level in SEVERITY.items():
        hit = text.str.contains(kind, regex=False).to_numpy(dtype=bool)
        levels = np.where(hit, np.maximum(levels, level), levels)
    return levels


def _complaints(comp: pd.DataFrame, matched: pd.Series, firm: np.ndarray,
                config: IndustryConfig) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    named_only = comp["uscc"].isna()
    groups = {c: i for i, cats in enumerate(config.complaint_categories.values()) for c in cats}
    group = comp["category"].map(groups).fillna(len(groups)).astype(np.int64)
    sub = comp["substantiated"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    arrays = {
        "firm": firm,
        "day": days(comp["known_at"]),
        "group": group.to_numpy(),
        "substantiated": sub,
    }
    stats = {
        "complaints": float(len(comp)),
        "named_only": float(named_only.sum()),
        "named_only_matched": float((named_only & matched.notna()).sum()),
        "match_rate_named_only": float(matched[named_only].notna().mean())
        if named_only.any() else 1.0,
    }
    return arrays, stats


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """An optional column as floats (all NaN where the source left it out)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


COUNTED = (*SEVERITY_LEVELS, "violations")  # graded counts, and the ungraded one


def _graded(insp: pd.DataFrame) -> dict[str, np.ndarray]:
    """Violation counts of each severity level the source grades, and the ungraded count
    (`violations`), where the source has them (none for most sources)."""
    counts = {level: _floats(insp, f"{level}_violations") for level in SEVERITY_LEVELS}
    counts["violations"] = _floats(insp, "violations")
    return {level: v for level, v in counts.items() if (~np.isnan(v)).any()}


def _visits(insp: pd.DataFrame, firm: np.ndarray, meta: DatasetMeta) -> dict[str, np.ndarray]:
    """The visits as arrays: kind (position in VISIT_KINDS), whether random, whether the
    outcome is known and a violation, the score where the data set declares one, counts."""
    arrays = {
        "firm": firm,
        "day": days(insp["known_at"]),
        "kind": insp["kind"].map({k: i for i, k in enumerate(VISIT_KINDS)}).fillna(-1)
        .astype(np.int64).to_numpy(),
        "random": (insp["kind"] == "random").to_numpy(dtype=bool),
        "violation": insp.get("outcome", pd.Series(index=insp.index, dtype=object)).isin(
            VIOLATION_OUTCOMES).to_numpy(dtype=bool),
        "prob": insp["inclusion_prob"].to_numpy(dtype=float),
        **_graded(insp),
    }
    if "outcome" not in meta.not_recorded and "outcome" in insp:
        arrays["outcome_known"] = insp["outcome"].notna().to_numpy(dtype=bool)
    if meta.inspection_score is not None:
        arrays["score"] = _floats(insp, "score")
        arrays["failed"] = meta.inspection_score.failing(arrays["score"])
    return arrays


def _nearby(registrations: pd.DataFrame, comp: pd.DataFrame, linked: np.ndarray,
            comp_day: np.ndarray) -> dict[str, np.ndarray]:
    """Complaints with coordinates and no linked firm, as events of the firms around them."""
    unlinked = linked < 0
    lat, lon = _floats(comp, "latitude"), _floats(comp, "longitude")
    lat[~unlinked] = np.nan
    firm, event = nearby_pairs(_floats(registrations, "latitude"),
                               _floats(registrations, "longitude"), lat, lon)
    order = np.argsort(comp_day[event], kind="stable")  # by day: windows are slices
    return {"firm": firm[order], "day": comp_day[event][order]}


def prepare(tables: dict[str, pd.DataFrame], config: IndustryConfig | None = None,
            data_end: pd.Timestamp | None = None, meta: DatasetMeta = DEFAULT_META
            ) -> Prepared:
    """Index firms and turn every event table into arrays, once.

    `data_end` defaults to the latest known_at in these tables; a part of a larger data set
    (the Dask engine's partitions) passes the whole set's. `meta` is what the data set
    declares (`Sources.meta`): the columns it has none of, its firms' industry where it
    records no industry code, its score scale.
    """
    config = config or default_config()
    registrations = tables["registrations"].reset_index(drop=True)
    firms = registrations.reindex(columns=list(FIRM_COLUMNS))  # a column not recorded: empty
    firms["industry"] = industry_of(firms["industry_code"], config)
    if meta.industry is not None:
        firms["industry"] = firms["industry"].where(firms["industry_code"].notna(),
                                                    meta.industry)
    changes = tables["registration_changes"]
    pen, insp, lst = tables["penalties"], tables["inspections"], tables["abnormal_list"]
    comp = tables["complaints"]
    matched = match_subjects(comp, registrations)
    ids = firm_ids(firms, changes["uscc"], pen["uscc"], matched, insp["uscc"], lst["uscc"])
    register = RegisterHistory.from_tables(firms, changes, hashed=RELATED_FIELDS, ids=ids[0])
    complaints, match = _complaints(comp, matched, ids[2], config)
    events = {
        "changes": {
            "firm": ids[0],
            "day": days(changes["known_at"]),
            "kind": changes["change_type"].map({k: i for i, k in enumerate(CHANGE_KINDS)})
            .fillna(-1).astype(np.int64).to_numpy(),
        },
        "penalties": {
            "firm": ids[1],
            "day": days(pen["known_at"]),
            "severity": _severity(pen["penalty_kinds"]),
            "fine": pen["fine"].fillna(0.0).to_numpy(dtype=float),
        },
        "complaints": complaints,
        "inspections": _visits(insp, ids[3], meta),
        "nearby_complaints": _nearby(registrations, comp, ids[2], complaints["day"]),
        "listings": {
            "firm": ids[4],
            "day": days(lst["known_at"]),
            "removed": days(lst["removed_on"]),
            "serious": (lst["list_type"] == "serious_violation").to_numpy(dtype=bool),
            "reason": lst["reason"].map({r: i for i, r in enumerate(REASONS)}).fillna(-1)
            .astype(np.int64).to_numpy(),
        },
    }
    end = data_end if data_end is not None else latest_known(tables)
    groups = (*config.complaint_categories, "other")
    kinds = tuple(int(k) for k in np.unique(events["inspections"]["kind"]) if k >= 0)
    return Prepared(firms, register, events, end, config, groups, match, meta, kinds)


def latest_known(tables: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """The data end: the latest known_at in any event table."""
    ends = [t["known_at"].max() for t in tables.values() if "known_at" in t and len(t)]
    return pd.Timestamp(max(ends))
