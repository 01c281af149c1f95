"""The Chicago adapter on a slice of the real public tables (../shared, present in CI)."""

from pathlib import Path

import pandas as pd
import pytest

from features.adapters import chicago
from features.cohorts import inspection_cohort
from features.loading import load_sources
from features.prepare import prepare
from features.validation import validate

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "chicago-food-inspections"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no Chicago data at {DATA}")


def _slice(raw: dict[str, pd.DataFrame], licences: int = 150) -> dict[str, pd.DataFrame]:
    """Every record of the first `licences` licences inspected in 2014, and 311 complaints
    from 2013 on."""
    insp = raw["inspections"]
    kept = insp.loc[insp["Inspection_Date"] >= "2014-01-01", "License"].drop_duplicates()
    kept = set(kept.head(licences))
    mine = insp["License"].isin(kept)
    return {**raw, "inspections": insp.loc[mine],
            "licences": raw["licences"].loc[raw["licences"]["Inspection_ID"].isin(
                insp.loc[mine, "Inspection_ID"])],
            "visits": raw["visits"].loc[pd.to_numeric(raw["visits"]["License"],
                                                      errors="coerce").isin(kept)],
            "sanitation": raw["sanitation"].loc[raw["sanitation"]["Creation_Date"] >=
                                                "2013-01-01"]}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    raw = _slice(chicago.read_raw(DATA))
    out = tmp_path_factory.mktemp("chicago")
    for name, frame in chicago.adapt(raw).items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    chicago.write_meta(out, chicago.META)
    return out


def test_the_adapted_tables_keep_their_contracts(sources):
    report = validate(sources)
    assert report.ok, report.error_lines()[:20]
    loaded = load_sources(sources)
    reg, insp = loaded["registrations"], loaded["inspections"]
    assert reg["uscc"].str.fullmatch(r"\d{1,9}").all()
    assert reg["town_code"].str.fullmatch(r"W\d\d").all()
    assert set(insp["uscc"]) <= set(reg["uscc"])
    assert insp["critical_violations"].notna().all()
    assert (insp["inspector_ids"].str.count(r"\|") == 0).all()  # one sanitarian a visit
    # every firm is on the register before its first visit
    first = insp.groupby("uscc")["inspected_on"].min()
    assert (reg.set_index("uscc").loc[first.index, "known_at"] < first).all()


def test_the_adapter_reads_no_derived_table():
    assert "23_dat_model" not in chicago.FILES.values()
    assert "22_" not in "".join(chicago.FILES.values())  # the heat tables


def test_cohort_of_the_slice_has_graded_history_and_nearby_complaints(sources):
    loaded = load_sources(sources)
    prep = prepare(loaded.tables)
    visits = loaded["inspections"]
    visits = visits.loc[visits["inspected_on"] >= "2014-09-01"]
    cohort = inspection_cohort(prep, visits, "critical", ["food"])
    assert len(cohort) == len(visits)  # every visited licence is on the register in time
    expected = (visits.set_index("inspection_id")["critical_violations"] > 0).astype(float)
    assert cohort.set_index("inspection_id")["label"].equals(
        expected.loc[cohort["inspection_id"]].rename("label"))
    assert cohort["near_comp_365d"].gt(0).mean() > 0.5
    assert cohort["insp_last_critical"].notna().any()
