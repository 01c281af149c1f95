"""The published Chicago split and the re-implemented logistic regression, on the real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.chicago.benchmark import COLUMNS, PUBLISHED, evaluation_row, logit_row
from training.chicago.data import DATE, LABEL, load_split

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "chicago-food-inspections"
pytestmark = pytest.mark.skipif(not (DATA / "23_dat_model.parquet").exists(),
                                reason=f"Chicago data not found at {DATA}")


@pytest.fixture(scope="module")
def published_split():
    return load_split(DATA)


def test_published_filter_and_split(published_split):
    train, test = published_split
    assert len(train) + len(test) == 18_712
    assert (len(train), int(train[LABEL].sum())) == (17_075, 2_402)
    assert (len(test), int(test[LABEL].sum())) == (1_637, 258)
    assert str(test[DATE].min().date()) == "2014-09-02"
    assert str(test[DATE].max().date()) == "2014-10-31"


def test_logit_reproduces_the_published_result(published_split):
    row = logit_row(*published_split)
    assert row["name"].startswith("logit")
    assert abs(row["days_earlier_mean"] - PUBLISHED["days_earlier_mean"]) < 0.1
    assert row["first_half_share"] == pytest.approx(0.6899, abs=0.005)
    assert row["days_earlier_median"] == PUBLISHED["days_earlier_median"]
    assert row["share_found_later"] == pytest.approx(PUBLISHED["share_found_later"], abs=0.01)
    assert row["days_earlier_ci_low"] < row["days_earlier_mean"] < row["days_earlier_ci_high"]


def test_rows_share_one_shape(published_split):
    _, test = published_split
    rows = [PUBLISHED, logit_row(*published_split),
            evaluation_row("random", test[DATE], test[LABEL], test["Inspection_ID"] % 7)]
    assert all(tuple(row) == COLUMNS for row in rows)
    assert rows[0]["name"].startswith("published") and rows[1]["name"].startswith("logit")
    assert 0.5 < rows[1]["auc"] < 1.0
