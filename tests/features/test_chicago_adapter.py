"""The Chicago adapter on a slice of the real public tables (../shared, present in CI)."""

import pytest

from features.adapters import chicago
from features.cohorts import inspection_cohort
from features.loading import load_sources
from features.prepare import prepare
from features.validation import validate
from tests.features.chicago_slice import DATA, write_slice

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no Chicago data at {DATA}")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_slice(tmp_path_factory.mktemp("chicago"))


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
