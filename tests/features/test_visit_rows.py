"""Cohort rows per (firm, visit) equal the firms' `build_as_of` rows on the visit dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import build_as_of
from features.cohorts import inspection_cohort
from features.labels import LABEL_COLUMNS
from features.loading import load_sources
from features.prepare import prepare
from features.visit_rows import peer_median
from tests.features.chicago_slice import DATA, write_slice
from tests.features.test_city_records import _city


def same_as_build_as_of(prep, visits, dates: int = 8, label="violation") -> pd.DataFrame:
    """Check the cohort's feature columns against `build_as_of` on `dates` of its dates;
    return the cohort."""
    cohort = inspection_cohort(prep, visits, label)
    assert len(cohort) > 0
    on = cohort["inspected_on"].drop_duplicates()
    for date in on.iloc[np.linspace(0, len(on) - 1, min(dates, len(on))).astype(int)]:
        mine = cohort.loc[cohort["inspected_on"] == date].drop_duplicates("uscc")
        built = build_as_of(prep, date, only=mine["uscc"])
        expected = pd.concat([f.assign(industry=k) for k, f in built.items()])
        expected = expected.drop(columns=list(LABEL_COLUMNS)).set_index("uscc").sort_index()
        got = mine.set_index("uscc")[expected.columns].sort_index()
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=f"{date:%F}")
    return cohort


def test_the_generated_world(tiny):
    loaded = load_sources(tiny)
    same_as_build_as_of(prepare(loaded.tables), loaded["inspections"])


def test_a_citys_scores_kinds_and_counts(tmp_path):
    loaded = load_sources(_city(tmp_path / "city"))
    prep = prepare(loaded.tables, meta=loaded.meta)
    cohort = same_as_build_as_of(prep, loaded["inspections"], label="score<=70")
    assert {"insp_score_last", "insp_days_since_follow_up"} <= set(cohort.columns)


@pytest.mark.skipif(not DATA.is_dir(), reason=f"no Chicago data at {DATA}")
def test_the_chicago_slice(tmp_path):
    loaded = load_sources(write_slice(tmp_path / "chicago", licences=80))
    visits = loaded["inspections"]
    cohort = same_as_build_as_of(prepare(loaded.tables, meta=loaded.meta),
                                 visits.loc[visits["inspected_on"] >= "2013-01-01"], dates=12,
                                 label="critical")
    assert cohort["near_comp_365d"].gt(0).any() and cohort["addr_firms"].gt(0).any()


def test_peer_median_is_pandas_median():
    rng = np.random.default_rng(0)
    group = rng.integers(-1, 6, 500)
    value = np.where(rng.random(500) < 0.6, 0.0, rng.integers(1, 5, 500)).astype(float)
    wanted = np.array([-1, 0, 1, 2, 3, 4, 5, 5, 6])
    median = pd.Series(value[group >= 0]).groupby(group[group >= 0]).median()
    expected = median.reindex(wanted).to_numpy()
    total = np.bincount(group[group >= 0], minlength=7)
    total[6] = 0  # a group with no firm in business
    nonzero = (group >= 0) & (value != 0)
    got = peer_median(total, group[nonzero], value[nonzero], wanted)
    np.testing.assert_array_equal(got, expected)
