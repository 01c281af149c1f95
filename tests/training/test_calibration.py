"""The centred isotonic curve: strictly increasing, never 0 or 1, and true at the top of the
list where one logistic curve is not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from training.calibration import fit_centred_isotonic


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 400))
@example(seed=4249, n=20)  # two pooled blocks whose rates differed in the last bits only
def test_the_curve_rises_strictly_and_stays_inside_zero_and_one(seed, n):
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n) * rng.uniform(0.1, 5)
    y = (rng.random(n) < expit(score)).astype(float)
    y[:2] = [0.0, 1.0]
    curve = fit_centred_isotonic(score, y)
    grid = np.sort(np.concatenate([score, rng.normal(scale=20, size=50)]))
    p = curve(grid)
    assert np.all((p > 0) & (p < 1))
    assert np.all(np.diff(p)[np.diff(grid) > 0] > 0)


def test_the_top_of_the_list_gets_its_own_rate_where_one_logistic_curve_overstates_it():
    # a score whose top saturates: beyond 2 the true rate stays at 0.15 (a points rule's top)
    rng = np.random.default_rng(0)
    score = rng.exponential(1.0, 60_000)
    truth = np.where(score < 2, 0.01 + 0.07 * score, 0.15)
    y = (rng.random(len(score)) < truth).astype(float)
    calibration, test = slice(0, 30_000), slice(30_000, None)
    top = score[test] > 4
    curve = fit_centred_isotonic(score[calibration], y[calibration])
    platt = LogisticRegression().fit(score[calibration, None], y[calibration])
    observed = y[test][top].mean()
    assert curve(score[test][top]).mean() == pytest.approx(observed, abs=0.03)
    assert platt.predict_proba(score[test][top, None])[:, 1].mean() > observed + 0.1


def test_one_outcome_only_cannot_calibrate():
    with pytest.raises(ValueError, match="both outcomes"):
        fit_centred_isotonic(np.arange(5.0), np.zeros(5))
