"""Drift by PSI: the same distribution is stable, a shifted input advises retraining, and the
tier mix and scores are compared with the previous run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.drift import RETRAIN_PSI, industry_drift, psi, shares_psi, tier_mix


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({
        "pen_365d": rng.poisson(0.3 + shift, n).astype(float),
        "capital": rng.lognormal(3 + shift, 1, n),
        "entity_type": rng.choice(["有限责任公司", "个体工商户"], n, p=[0.3, 0.7]),
        "age_days": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0, 3000, n)),
    })


def _scores(rng: np.random.Generator, n: int, a: float) -> pd.DataFrame:
    p = rng.beta(a, 20, n)
    return pd.DataFrame({"probability": p, "tier": pd.cut(p, [-1, 0.05, 0.1, 0.2, 2],
                                                          labels=list("ABCD")).astype(str)})


def test_psi_is_near_zero_for_the_same_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    same = psi(rng.normal(0, 1, 50_000), rng.normal(0, 1, 50_000))
    moved = psi(rng.normal(0, 1, 50_000), rng.normal(0.8, 1, 50_000))
    assert same < 0.01 and moved > RETRAIN_PSI
    assert np.isnan(psi(np.array([]), np.ones(3)))
    assert shares_psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == pytest.approx(0)


def test_a_shifted_input_advises_retraining_and_a_stable_one_does_not():
    rng = np.random.default_rng(1)
    reference = _frame(rng, 20_000)
    features = list(reference.columns)
    stable = industry_drift("food", reference, _frame(rng, 20_000), features,
                            _scores(rng, 5_000, 2), _scores(rng, 5_000, 2), 30)
    assert not stable.retrain_advised and stable.shifted == []
    shifted = _frame(rng, 20_000).assign(capital=lambda f: f["capital"] * 4)
    drifted = industry_drift("food", reference, shifted, features, _scores(rng, 5_000, 2),
                             _scores(rng, 5_000, 2), 30)
    assert drifted.retrain_advised and drifted.shifted == ["capital"]
    summary = drifted.summary()
    assert summary["retrain_advised"] and next(iter(summary["top_inputs"])) == "capital"
    assert summary["label_delay_days"] == 30


def test_scores_and_tier_mix_against_the_previous_run():
    rng = np.random.default_rng(2)
    reference = _frame(rng, 5_000)
    now, before = _scores(rng, 5_000, 4), _scores(rng, 5_000, 1)
    drift = industry_drift("food", reference, _frame(rng, 5_000), list(reference.columns), now,
                           before, None)
    assert drift.score_psi is not None and drift.score_psi > RETRAIN_PSI
    assert drift.retrain_advised and drift.shifted == []
    assert drift.tiers == tier_mix(now["tier"]) and sum(drift.tiers.values()) == pytest.approx(1)
    first = industry_drift("food", reference, reference, list(reference.columns), now, None,
                           None)
    assert first.score_psi is None and first.previous_tiers is None
