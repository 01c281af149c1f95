"""Inspection-outcome cohorts, graded visits and nearby complaints, on the hand-made market
(fixture_market.py) with a few columns added."""

import numpy as np
import pandas as pd
import pytest

from features.build import build_as_of
from features.cohorts import cohort_features, inspection_cohort
from features.loading import load_sources
from features.nearby import nearby_pairs
from features.prepare import prepare
from tests.features.fixture_market import A, B, C, write_market

# about 111 m per 0.001 degree of latitude
HOME = (23.0, 113.75)


def _with_places(folder):
    """The hand-made market, with premises' coordinates, graded visits and three complaints
    about places (no subject firm): 300 m north of A, 2 km away, and one after the visits."""
    write_market(folder)
    reg = pd.read_csv(folder / "registrations.csv", dtype=str)
    reg["latitude"] = [HOME[0], HOME[0] + 0.0009, None, HOME[0] + 0.1]
    reg["longitude"] = HOME[1]
    reg.to_csv(folder / "registrations.csv", index=False)
    insp = pd.read_csv(folder / "inspections.csv", dtype=str)
    insp["critical_violations"] = ["2", "0", "1", None]
    insp["serious_violations"] = ["1", "0", "0", None]
    insp.to_csv(folder / "inspections.csv", index=False)  # minor_violations left out
    comp = pd.read_csv(folder / "complaints.csv", dtype=str)
    places = pd.DataFrame({
        "order_id": ["s1", "s2", "s3"], "uscc": None, "subject_name": None,
        "category": "卫生问题", "substantiated": None, "kind": "投诉",
        "known_at": ["2023-11-20", "2023-11-21", "2024-01-10"],
        "received_at": ["2023-11-20 09:00:00", "2023-11-21 09:00:00", "2024-01-10 09:00:00"],
        "channel": "电话", "town_code": None, "handling_unit": None, "closed_on": None,
        "satisfaction": None, "latitude": [HOME[0] + 0.0027, HOME[0] + 0.018, HOME[0]],
        "longitude": HOME[1]})
    pd.concat([comp, places]).to_csv(folder / "complaints.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def prep(tmp_path_factory):
    sources = load_sources(_with_places(tmp_path_factory.mktemp("places")))
    assert sources.quarantine.empty, sources.quarantine
    return prepare(sources.tables)


def test_nearby_pairs_by_distance():
    lat = np.array([HOME[0], np.nan])
    lon = np.array([HOME[1], HOME[1]])
    ev_lat = HOME[0] + np.array([0.004, 0.0047, 0.0, np.nan])  # ~445 m, ~523 m, 0 m, none
    firm, event = nearby_pairs(lat, lon, ev_lat, np.full(4, HOME[1]), radius_m=500)
    assert sorted(zip(firm.tolist(), event.tolist(), strict=True)) == [(0, 0), (0, 2)]


def test_nearby_complaints_count_places_within_500_m_known_before(prep):
    rows = pd.concat(build_as_of(prep, "2024-01-01").values()).set_index("uscc")
    # s1 is 300 m from A and 200 m from B; s2 is 2 km away; s3 is known after the date
    assert rows.loc[A, ["near_comp_30d", "near_comp_90d"]].tolist() == [0, 1]
    assert rows.loc[B, "near_comp_90d"] == 1
    assert rows.loc[C, "near_comp_365d"] == 0  # no coordinates: no neighbours
    later = pd.concat(build_as_of(prep, "2024-01-11").values()).set_index("uscc")
    assert later.loc[A, "near_comp_30d"] == 1  # s3, at A's door


def test_graded_visits_give_the_latest_counts_and_the_last_year(prep):
    rows = pd.concat(build_as_of(prep, "2024-01-01").values()).set_index("uscc")
    assert rows.loc[A, "insp_last_critical"] == 0  # i2 on 2023-12-20 found none
    assert rows.loc[A, "insp_critical_365d"] == 2  # i1 on 2023-05-01 found two
    assert rows.loc[B, "insp_last_critical"] == 1
    assert np.isnan(rows.loc[C, "insp_last_critical"])  # never visited
    assert "insp_last_minor" not in rows  # the source does not grade minor violations


def test_sources_without_coordinates_or_grades_keep_the_old_columns(tmp_path):
    plain = prepare(load_sources(write_market(tmp_path)).tables)
    columns = pd.concat(build_as_of(plain, "2024-01-01").values()).columns
    assert not [c for c in columns if c.startswith(("near_comp", "insp_last_"))]


def test_cohort_rows_are_the_firms_rows_on_the_visit_date_with_the_visit_outcome(prep):
    visits = pd.DataFrame({
        "inspection_id": ["i2", "i4", "ix"], "uscc": [A, A, B], "kind": "targeted",
        "inspected_on": pd.to_datetime(["2023-12-20", "2024-02-01", "2023-12-20"]),
        "inspector_ids": ["I0002|I0001", "I0001|I0002", "I0001|I0002"],
        "outcome": ["no_problem", "rectify", "case_opened"], "inclusion_prob": np.nan,
        "critical_violations": pd.array([0, 3, None], dtype="Int64")})
    visits["known_at"] = visits["inspected_on"]
    cohort = inspection_cohort(prep, visits, "violation")
    assert cohort["inspection_id"].tolist() == ["i2", "ix", "i4"]  # by date, then id
    assert cohort["label"].tolist() == [0.0, 1.0, 1.0]
    assert cohort["visit_inspector"].tolist() == ["I0002", "I0001", "I0001"]
    # ix's lead inspector I0001 led no visit known before 2023-12-20 in these visits; by i4
    # (2024-02-01) I0001 had led ix (a violation): the record is of earlier visits only
    assert cohort["visit_inspector_visits_365d"].tolist() == [0.0, 0.0, 1.0]
    assert cohort["visit_inspector_found_share_365d"].tolist()[2] == 1.0
    assert cohort["visit_month"].tolist() == [12.0, 12.0, 2.0]
    same_day = pd.concat(build_as_of(prep, "2023-12-20").values()).set_index("uscc")
    row = cohort.set_index("inspection_id").loc["i2"]
    for name in ("insp_targeted", "insp_random_violations", "pen_365d", "comp_365d"):
        assert row[name] == same_day.loc[A, name], name
    assert row["insp_targeted"] == 0  # the visit itself is not yet known on its own day
    critical = inspection_cohort(prep, visits, "critical")
    assert critical["label"].tolist()[0] == 0.0 and np.isnan(critical["label"].tolist()[1])
    inputs = cohort_features(cohort)
    assert "visit_inspector" in inputs and not {"label", "inspection_id", "uscc"} & set(inputs)


def test_cohort_leaves_out_visits_of_firms_not_on_the_register_yet(prep):
    visits = pd.DataFrame({
        "inspection_id": ["early"], "uscc": [C], "kind": "random",
        "inspected_on": pd.to_datetime(["2023-01-15"]),  # C established 2023-03-01
        "inspector_ids": ["I0001|I0002"], "outcome": ["no_problem"], "inclusion_prob": 0.1})
    visits["known_at"] = visits["inspected_on"]
    assert inspection_cohort(prep, visits).empty


def test_inspector_record_counts_the_lead_inspectors_earlier_visits():
    from features.cohorts import inspector_record
    from features.visit_labels import VisitLabel

    history = pd.DataFrame({
        "inspector_ids": ["I1|I2", "I1|I3", "I2|I1", "I1|I2", "I1|I2"],
        "outcome": ["rectify", "no_problem", "case_opened", "case_opened", "rectify"],
        "known_at": pd.to_datetime(["2023-01-10", "2023-06-01", "2023-06-02", "2023-12-31",
                                    "2024-01-01"])})
    visits = pd.DataFrame({"inspector_ids": ["I1|I9", "I2|I1", "I7|I1"],
                           "inspected_on": pd.to_datetime(["2024-01-01"] * 3)})
    seen, share = inspector_record(history, visits, VisitLabel("violation"), 365)
    # I1 led 3 visits known in [2023-01-01, 2024-01-01): 2 found something; the visit known on
    # 2024-01-01 itself is not known before the date
    assert seen.tolist() == [3.0, 1.0, 0.0]
    assert share[0] == pytest.approx(2 / 3) and share[1] == 1.0 and np.isnan(share[2])


def test_a_cohort_of_some_visits_counts_the_inspectors_whole_record(prep):
    visits = pd.DataFrame({
        "inspection_id": ["v1", "v2"], "uscc": [A, A], "kind": "targeted",
        "inspected_on": pd.to_datetime(["2023-06-01", "2024-03-01"]),
        "inspector_ids": ["I0001|I0002", "I0001|I0002"], "outcome": ["rectify", "no_problem"],
        "inclusion_prob": np.nan})
    visits["known_at"] = visits["inspected_on"]
    whole = inspection_cohort(prep, visits, "violation")
    later = inspection_cohort(prep, visits.iloc[[1]], "violation", history=visits)
    assert later["visit_inspector_visits_365d"].tolist() == [1.0]
    assert later.iloc[0].equals(whole.iloc[1])
