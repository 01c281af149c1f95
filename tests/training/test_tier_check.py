"""The per-tier calibration check: a calibrated score lands inside every tier's interval, a
score that overstates the top of the list does not, and each training run logs the table
and its picture."""

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from training.tier_check import tier_calibration, wilson
from training.tiers import tier_cutoffs

PROPORTIONS = {"A": 0.654, "B": 0.253, "C": 0.077, "D": 0.016}


def _world(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.beta(0.6, 8.0, n)
    seen = rng.random(n) < 0.25  # a random inspection with inclusion probability 0.25
    frame = pd.DataFrame({
        "uscc": np.arange(n).astype(str), "label": (rng.random(n) < p).astype(float),
        "label_random": np.where(seen, (rng.random(n) < p).astype(float), np.nan),
        "random_inclusion_prob": 0.25})
    return frame, p


def test_wilson_interval_matches_the_textbook():
    low, high = wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(50, 100)
    assert (low, high) == (pytest.approx(0.4038, abs=1e-4), pytest.approx(0.5962, abs=1e-4))


def test_a_calibrated_score_holds_in_every_tier_and_an_inflated_top_does_not():
    frame, p = _world()
    cutoffs = tier_cutoffs(p, PROPORTIONS)
    table = tier_calibration(frame, p, cutoffs, None).set_index("tier")
    assert list(table.index) == ["A", "B", "C", "D"]
    assert table["within_ipw"].all(), table
    assert (table["observed_low"] <= table["predicted"]).all()
    assert (table["predicted"] <= table["observed_high"]).all()

    inflated = np.where(p >= cutoffs[2], np.minimum(1.0, 3 * p), p)  # the top overstated
    worse = tier_calibration(frame, inflated, cutoffs, None).set_index("tier")
    assert not worse.loc["D", "within_ipw"] and worse.loc[["A", "B"], "within_ipw"].all()


def test_each_training_run_logs_the_tier_table_and_picture(trained, registry):
    run = MlflowClient(registry).get_run(trained["food"].run_id)
    for tier in "ABCD":
        assert f"test_tier_{tier}_predicted" in run.data.metrics
        assert f"test_tier_{tier}_observed" in run.data.metrics
    paths = {a.path for a in MlflowClient(registry).list_artifacts(run.info.run_id)}
    assert "tier_calibration.csv" in paths
    plots = {a.path for a in MlflowClient(registry).list_artifacts(run.info.run_id, "plots")}
    assert "plots/tier_calibration.png" in plots


def test_a_tier_where_few_random_inspections_found_nothing_gets_an_interval_not_a_point():
    frame, p = _world(n=400, seed=3)
    frame["label_random"] = np.where(frame["label_random"].notna(), 0.0, np.nan)
    table = tier_calibration(frame, p, tier_cutoffs(p, PROPORTIONS), None).set_index("tier")
    assert (table["observed_ipw"] == 0).all()
    seen = table["random_seen"] > 0
    assert (table.loc[seen, "ipw_high"] > 0).all() and (table.loc[seen, "ipw_low"] == 0).all()
