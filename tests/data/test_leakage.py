"""Nothing the bureau learned on or after the as-of date reaches a feature."""

import numpy as np
import pandas as pd
import pytest

from features.build import build_as_of, feature_columns
from features.contracts import VISIT_KINDS
from features.loading import load_sources
from features.metadata import DEFAULT_META, DatasetMeta, InspectionScore
from features.prepare import prepare

EVENT_TABLES = ("penalties", "complaints", "inspections", "abnormal_list")
SCRAMBLE = {  # columns whose values a later event may have anything in
    "penalties": ["penalty_kinds", "fine"],
    "complaints": ["category", "substantiated", "uscc"],
    "inspections": ["outcome", "kind", "inclusion_prob", "uscc", "score", "violations"],
    "abnormal_list": ["reason", "list_type", "uscc"],
}


# a city's records: scores on a 0-100 scale (70 or below fails), ungraded counts, and the
# targeted visits split among a city's kinds
CITY = DatasetMeta(inspection_score=InspectionScore(better="higher", min=0, max=100, fail=70))


@pytest.fixture(scope="module")
def tables(market):
    return load_sources(market).tables


@pytest.fixture(scope="module")
def city_tables(tables):
    rng = np.random.default_rng(7)
    insp = tables["inspections"].copy()
    n = len(insp)
    targeted = insp["kind"] != "random"
    insp.loc[targeted, "kind"] = rng.choice(VISIT_KINDS[1:], int(targeted.sum()))
    insp["score"] = rng.integers(0, 101, n).astype(float)
    insp["violations"] = pd.array(rng.integers(0, 8, n), dtype="Int64")
    return {**tables, "inspections": insp}


def _features(tables, as_of, meta=DEFAULT_META):
    built = build_as_of(prepare(tables, meta=meta), as_of)
    return {k: v[["uscc", *feature_columns(v)]].set_index("uscc") for k, v in built.items()}


def _tamper_after(tables, as_of, rng):
    """Delete, scramble and add events known on or after `as_of`."""
    out = {k: v.copy() for k, v in tables.items()}
    for name in EVENT_TABLES:
        frame = out[name]
        later = frame["known_at"] >= as_of
        keep = ~later | (rng.random(len(frame)) < 0.5)
        frame = frame.loc[keep].reset_index(drop=True)
        later = frame["known_at"] >= as_of
        for col in (c for c in SCRAMBLE[name] if frame[c].notna().any()):
            values = frame.loc[later, col].to_numpy()
            frame.loc[later, col] = rng.permutation(values)
        extra = frame.sample(50, random_state=1).copy()
        extra["known_at"] = as_of + pd.to_timedelta(rng.integers(0, 400, 50), unit="D")
        key = frame.columns[0]
        extra[key] = [f"NEW{i}" for i in range(50)]
        out[name] = pd.concat([frame, extra], ignore_index=True)
    lst = out["abnormal_list"]
    pending = lst["removed_on"].isna() | (lst["removed_on"] >= as_of)
    lst.loc[pending, "removed_on"] = as_of + pd.Timedelta(days=30)
    changes = out["registration_changes"]
    later = changes["known_at"] >= as_of
    changes.loc[later, "new_value"] = "scrambled"
    changes.loc[later, "changed_on"] = as_of
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_events_known_on_or_after_the_date_change_no_feature(tables, seed):
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 900)))
    before = _features(tables, as_of)
    after = _features(_tamper_after(tables, as_of, rng), as_of)
    for industry, frame in before.items():
        pd.testing.assert_frame_equal(after[industry], frame, obj=f"{industry} at {as_of:%F}")


@pytest.mark.parametrize("table", ["penalties", "complaints", "inspections", "abnormal_list",
                                   "registration_changes"])
def test_an_event_known_the_day_before_does_change_a_feature(tables, table):
    as_of = pd.Timestamp("2024-05-01")
    before = _features(tables, as_of)["food"]
    firm = before.index[7]
    out = {k: v.copy() for k, v in tables.items()}
    row = out[table].iloc[[0]].copy()
    row[out[table].columns[0]] = "NEW"
    row["uscc"] = firm
    row["known_at"] = as_of - pd.Timedelta(days=1)
    if table == "inspections":
        row["outcome"] = "rectify"
    if table == "abnormal_list":
        row["list_type"], row["removed_on"] = "abnormal", pd.NaT
    if table == "registration_changes":
        row["change_type"] = "legal_rep"
    out[table] = pd.concat([out[table], row], ignore_index=True)
    after = _features(out, as_of)["food"]
    changed = after.loc[firm].compare(before.loc[firm])
    assert not changed.empty, f"a {table} event known the day before changed nothing"


@pytest.mark.parametrize("seed", [3, 4])
def test_a_citys_scores_counts_and_visit_kinds_known_later_change_no_feature(city_tables,
                                                                             seed):
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 900)))
    before = _features(city_tables, as_of, CITY)
    assert {"insp_score_last", "insp_days_since_fail", "insp_follow_up",
            "insp_days_since_licence", "insp_violations_365d"} <= set(before["food"].columns)
    after = _features(_tamper_after(city_tables, as_of, rng), as_of, CITY)
    for industry, frame in before.items():
        pd.testing.assert_frame_equal(after[industry], frame, obj=f"{industry} at {as_of:%F}")


def test_a_city_visit_known_the_day_before_changes_its_features(city_tables):
    as_of = pd.Timestamp("2024-05-01")
    before = _features(city_tables, as_of, CITY)["food"]
    firm = before.index[7]
    row = city_tables["inspections"].iloc[[0]].copy()
    row["inspection_id"], row["uscc"], row["kind"] = "NEW", firm, "follow_up"
    row["score"], row["violations"] = 10.0, 3
    row["known_at"] = as_of - pd.Timedelta(days=1)
    out = {**city_tables,
           "inspections": pd.concat([city_tables["inspections"], row], ignore_index=True)}
    after = _features(out, as_of, CITY)["food"].loc[firm]
    assert after["insp_score_last"] == 10 and after["insp_days_since_fail"] == 1
    assert after["insp_follow_up"] == before.loc[firm, "insp_follow_up"] + 1
    assert after["insp_days_since_follow_up"] == 1 and after["insp_last_violations"] == 3
