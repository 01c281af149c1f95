import numpy as np
import pandas as pd
import pytest

from training.data import NotEnoughHistory, temporal_split
from training.metrics import expected_calibration_error, precision_at_k, recall_at_k
from training.tiers import assign_tiers, tier_cutoffs


def test_precision_and_recall_at_k():
    y = np.array([1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.2])
    assert precision_at_k(y, scores, 2) == 0.5
    assert precision_at_k(y, scores, 3) == pytest.approx(2 / 3)
    assert recall_at_k(y, scores, 1) == 0.5
    assert precision_at_k(y, scores, 99) == 0.4


def test_calibration_error_is_zero_when_rates_match_and_large_when_not():
    y = np.array([0, 0, 0, 1] * 25)
    assert expected_calibration_error(y, np.full(100, 0.25), bins=1) == pytest.approx(0)
    assert expected_calibration_error(y, np.full(100, 0.75), bins=1) == pytest.approx(0.5)


def test_tiers_follow_the_configured_mix():
    p = np.random.default_rng(0).random(10_000)
    tiers = assign_tiers(p, tier_cutoffs(p, {"A": 0.654, "B": 0.253, "C": 0.077, "D": 0.016}))
    shares = pd.Series(tiers).value_counts(normalize=True)
    assert shares["A"] == pytest.approx(0.654, abs=0.005)
    assert shares["D"] == pytest.approx(0.016, abs=0.005)


def _frame(dates):
    rows = [{"as_of": pd.Timestamp(d), "uscc": f"F{i}", "label": float(i % 2)}
            for d in dates for i in range(4)]
    return pd.DataFrame(rows)


def test_temporal_split_keeps_test_labels_out_of_training():
    dates = pd.date_range("2022-01-31", "2024-12-31", freq="ME")
    split = temporal_split(_frame(dates), horizon_days=180)
    first_test = split.test["as_of"].min()
    assert split.test["as_of"].nunique() == 3
    assert split.calibration["as_of"].max() + pd.Timedelta(days=180) <= first_test
    assert split.train["as_of"].max() < split.calibration["as_of"].min()


def test_too_little_history_is_a_clear_error():
    with pytest.raises(NotEnoughHistory, match="180 days before"):
        temporal_split(_frame(pd.date_range("2024-01-31", "2024-05-31", freq="ME")), 180)
