"""What cities record: scores, ungraded counts, routine and follow-up visits, numeric area
codes, no founding date, legal form or industry code; on the hand-made market
(fixture_market.py) delivered the way another city would."""

import numpy as np
import pandas as pd
import pytest

from features.build import build_as_of
from features.cohorts import inspection_cohort
from features.dataset import DatasetKindError, build_cohort_dataset
from features.loading import SourceError, load_sources
from features.metadata import DatasetMeta
from features.prepare import prepare
from features.validation import validate
from features.visit_labels import LabelError
from tests.features.fixture_market import AS_OF, A, B, write_market

CITY_META = """\
name: city
not_recorded: [established_on, entity_type, industry_code, outcome]
industry: food
town_codes: [441900003000, 441900119000]
inspection_score: {better: higher, min: 0, max: 100, fail: 70}
"""
VISITS = {  # inspection_id: kind, score, ungraded violations
    "i1": ("routine", 60, 5), "i2": ("follow_up", 85, 1), "i3": ("routine", 90, 0),
    "i4": ("complaint", 50, 7)}


def _city(folder, meta=CITY_META):
    """The market as a city delivers it: no outcome, founding date, legal form or industry
    code; scores and ungraded counts; routine, follow-up and complaint visits; area codes
    stored as numbers."""
    write_market(folder)
    reg = pd.read_csv(folder / "registrations.csv", dtype=str)
    reg = reg.drop(columns=["established_on", "entity_type", "industry_code"])
    reg["town_code"] = reg["town_code"].astype("int64")
    reg.to_parquet(folder / "registrations.parquet", index=False)
    (folder / "registrations.csv").unlink()
    insp = pd.read_csv(folder / "inspections.csv", dtype=str).drop(columns=["outcome"])
    for column, values in zip(("kind", "score", "violations"), zip(*VISITS.values(), strict=True),
                              strict=True):
        insp[column] = insp["inspection_id"].map(dict(zip(VISITS, values, strict=True)))
    insp["inclusion_prob"] = None
    insp.to_csv(folder / "inspections.csv", index=False)
    (folder / "_dataset.yaml").write_text(meta, "utf-8")
    return folder


@pytest.fixture
def city(tmp_path):
    return _city(tmp_path / "city")


def test_a_city_data_set_validates_with_numeric_area_codes(city):
    report = validate(city)
    assert report.ok, report.error_lines()
    meta = load_sources(city).meta
    assert meta.town_codes == ("441900003000", "441900119000")
    assert DatasetMeta.model_validate({"town_codes": [94101, 94102.0]}).town_codes == (
        "94101", "94102")


def test_scores_outside_the_declared_scale_are_named_by_row(city):
    insp = pd.read_csv(city / "inspections.csv", dtype=str)
    insp.loc[2, "score"] = "120"
    insp.to_csv(city / "inspections.csv", index=False)
    bad = validate(city).violations
    assert bad[["table", "row", "column", "rule"]].values.tolist() == [
        ["inspections", 2, "score", "above the maximum 100"]]


def test_scores_without_a_declared_scale_are_refused(tmp_path):
    folder = _city(tmp_path / "city", CITY_META.replace(
        "inspection_score: {better: higher, min: 0, max: 100, fail: 70}\n", ""))
    report = validate(folder)
    assert any("declares no inspection_score" in p for p in report.problems)
    with pytest.raises(SourceError):
        load_sources(folder)


def test_without_a_declaration_the_columns_stay_required(tmp_path):
    folder = _city(tmp_path / "city", CITY_META.replace(
        "not_recorded: [established_on, entity_type, industry_code, outcome]\n", ""))
    problems = " ".join(validate(folder).problems)
    for column in ("established_on", "entity_type", "industry_code", "outcome"):
        assert f"missing column {column}" in problems


def _row(city, firm=A, as_of=AS_OF):
    loaded = load_sources(city)
    frame = build_as_of(prepare(loaded.tables, meta=loaded.meta), as_of)["food"]
    return frame.set_index("uscc").loc[firm], frame


def test_city_features_by_hand(city):
    a, frame = _row(city)
    assert {"age_days", "entity_type", "industry_code", "insp_violation_share",
            "insp_random_violations"}.isdisjoint(frame.columns)  # what needs absent columns
    assert len(frame) == 4  # every firm active then is food, the declared industry
    # as of 2024-01-01 A had a routine visit 2023-05-01 (score 60, 5 violations) and a
    # follow-up 2023-12-20 (85, 1); its complaint visit (50, 7) is known only later
    expected = {
        "insp_routine": 1, "insp_follow_up": 1, "insp_complaint": 0, "insp_random": 0,
        "insp_days_since_routine": 245, "insp_days_since_follow_up": 12,
        "insp_days_since_complaint": np.nan, "insp_days_since_last": 12,
        "insp_score_last": 85, "insp_score_min": 60, "insp_score_mean": 72.5,
        "insp_score_trend": 25, "insp_days_since_fail": 245,
        "insp_last_violations": 1, "insp_violations_365d": 6,
    }
    assert a[list(expected)].astype(float).to_dict() == pytest.approx(expected, nan_ok=True)
    assert "insp_licence" not in frame  # no licence visit in the data
    b, _ = _row(city, B)
    assert b[["insp_score_last", "insp_score_min", "insp_score_mean"]].tolist() == [90] * 3
    assert np.isnan(b["insp_score_trend"]) and np.isnan(b["insp_days_since_fail"])


def test_a_later_visit_enters_the_history_the_day_after_it_is_known(city):
    a, _ = _row(city, A, "2024-02-02")  # the complaint visit, known 2024-02-01
    assert a["insp_complaint"] == 1 and a["insp_score_last"] == 50
    assert a["insp_score_trend"] == pytest.approx(50 - 72.5)
    assert a["insp_days_since_fail"] == 1
    same_day, _ = _row(city, A, "2024-02-01")
    assert same_day["insp_complaint"] == 0 and same_day["insp_score_last"] == 85


def test_score_labels_follow_the_declared_direction(city):
    loaded = load_sources(city)
    prep = prepare(loaded.tables, meta=loaded.meta)
    cohort = inspection_cohort(prep, loaded["inspections"], "score<=70")
    labels = cohort.set_index("inspection_id")["label"].to_dict()
    assert labels == {"i1": 1.0, "i2": 0.0, "i3": 0.0, "i4": 1.0}
    assert cohort["label_random"].isna().all()  # no random visit: no unbiased sample
    for label, reason in (("score>=70", "higher scores are better"),
                          ("score<=170", "outside the score scale"),
                          ("violation", "does not record"), ("critical", "graded visits"),
                          ("score<70", "one of violation")):
        with pytest.raises(LabelError, match=reason):
            inspection_cohort(prep, loaded["inspections"], label)


def test_the_cohort_dataset_names_the_score_label_and_refuses_what_it_cannot(city, tmp_path):
    manifest = build_cohort_dataset(city, tmp_path / "cohort", None, ["food"], "score <= 70")
    assert manifest["label"] == "score<=70"
    assert manifest["label_rule"] == "the visit's score is at or below 70"
    assert manifest["visits_kept"] == 4
    with pytest.raises(DatasetKindError, match="higher scores are better"):
        build_cohort_dataset(city, tmp_path / "other", None, ["food"], "score>=70")
    assert not (tmp_path / "other").exists()


def test_tables_read_without_the_columns_not_recorded_build_the_same(city):
    """The Dask engine's partitions hold only the columns a source has."""
    loaded = load_sources(city)
    left_out = {"registrations": ["established_on", "entity_type", "industry_code"],
                "inspections": ["outcome"]}
    bare = {t: f.drop(columns=left_out.get(t, [])) for t, f in loaded.tables.items()}
    expected = build_as_of(prepare(loaded.tables, meta=loaded.meta), AS_OF)["food"]
    got = build_as_of(prepare(bare, meta=loaded.meta), AS_OF)["food"]
    pd.testing.assert_frame_equal(got, expected)
