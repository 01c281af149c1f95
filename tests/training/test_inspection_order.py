"""Days earlier, first-half share and precision at daily capacity on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from training.inspection_order import (
    bootstrap_days_earlier,
    daily_capacity,
    days_earlier,
    first_half_share,
    first_half_share_same_days,
    precision_at_daily_capacity,
    simulated_days,
    summarize,
)

# five inspections on four days (two on Sep 1); three found a critical violation
DATES = np.array(["2014-09-01", "2014-09-01", "2014-09-02", "2014-09-03", "2014-09-04"],
                 dtype="datetime64[D]")
SCORES = np.array([0.1, 0.3, 0.2, 0.9, 0.8])
LABELS = np.array([0, 0, 1, 1, 1])


def test_simulated_dates_by_hand():
    # score order 3, 4, 1, 2, 0 takes the real dates Sep 1, 1, 2, 3, 4
    expected = np.array(["2014-09-04", "2014-09-02", "2014-09-03", "2014-09-01",
                         "2014-09-01"], dtype="datetime64[D]")
    assert np.array_equal(simulated_days(DATES, SCORES), expected.astype(np.int64))


def test_days_earlier_by_hand():
    # positives 2, 3, 4: Sep 2 -> Sep 3 (-1), Sep 3 -> Sep 1 (+2), Sep 4 -> Sep 1 (+3)
    assert days_earlier(DATES, SCORES, LABELS).tolist() == [-1.0, 2.0, 3.0]


def test_summary_by_hand():
    summary = summarize(DATES, SCORES, LABELS, draws=200)
    assert summary.positives == 3
    assert summary.days_earlier_mean == pytest.approx(4 / 3)
    assert summary.days_earlier_median == 2.0
    assert summary.days_earlier_max == 3.0
    assert summary.share_found_later == pytest.approx(1 / 3)
    assert summary.first_half_share_usual == 0.0
    assert summary.first_half_share == pytest.approx(2 / 3)
    assert summary.base_rate == pytest.approx(0.6)


def test_first_half_share_by_hand():
    # median date Sep 2: nothing positive before it; the top two scores (3, 4) are positive
    assert first_half_share(DATES, SCORES, LABELS) == (0.0, pytest.approx(2 / 3))
    # the two slots before Sep 2 go to inspections 3 and 4
    assert first_half_share_same_days(DATES, SCORES, LABELS) == pytest.approx(2 / 3)
    # reversed, the top two are inspections 0 (negative) and 2 (positive)
    assert first_half_share(DATES, -SCORES, LABELS)[1] == pytest.approx(1 / 3)


def test_first_half_share_without_positives_is_nan():
    usual, model = first_half_share(DATES, SCORES, np.zeros(5))
    assert np.isnan(usual) and np.isnan(model)


def test_precision_at_daily_capacity_by_hand():
    dates = np.repeat(np.array(["2014-09-01", "2014-09-02", "2014-09-03"],
                               dtype="datetime64[D]"), 2)
    scores = np.array([0.9, 0.1, 0.8, 0.7, 0.2, 0.3])
    labels = np.array([1, 0, 0, 1, 0, 1])
    assert daily_capacity(dates) == 2
    # the two highest scores (0.9, 0.8) are one positive and one negative
    assert precision_at_daily_capacity(dates, scores, labels) == 0.5
    assert precision_at_daily_capacity(dates, labels, labels) == 1.0
    # a tie at the k-th score counts in expectation: (1 + 1/2 + 0) / 2
    assert precision_at_daily_capacity(dates[:4], [0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]) == 0.75
    assert daily_capacity(DATES) == 1  # 5 inspections on 4 days
    assert precision_at_daily_capacity(DATES, SCORES, LABELS) == 1.0


def test_equal_scores_keep_the_real_order():
    dates = np.array(["2014-09-03", "2014-09-01", "2014-09-02", "2014-09-01"],
                     dtype="datetime64[D]")
    labels = np.array([1, 0, 1, 1])
    assert np.array_equal(days_earlier(dates, np.ones(4), labels), np.zeros(3))
    # a tie in score is broken by the actual date, whatever the rows' order
    scores = np.array([0.5, 0.5, 0.9, 0.1])
    # order: 2 (0.9), then 1 (Sep 1) before 0 (Sep 3), then 3: dates Sep 1, 1, 2, 3
    assert days_earlier(dates, scores, labels).tolist() == [1.0, 1.0, -2.0]


def test_tie_in_score_and_date_falls_back_to_position():
    dates = np.array(["2014-09-01", "2014-09-02", "2014-09-02"], dtype="datetime64[D]")
    scores = np.array([0.5, 0.9, 0.9])
    # inspection 1 comes first in the input, so it takes Sep 1; inspection 2 stays on Sep 2
    assert days_earlier(dates, scores, [0, 1, 0]).tolist() == [1.0]
    assert days_earlier(dates, scores, [0, 0, 1]).tolist() == [0.0]


def test_resamples_schedule_row_by_row():
    stacked = np.stack([DATES, DATES[::-1]])
    scores = np.stack([SCORES, SCORES[::-1]])
    together = simulated_days(stacked, scores)
    assert np.array_equal(together[0], simulated_days(DATES, SCORES))
    assert np.array_equal(together[1], simulated_days(DATES[::-1], SCORES[::-1]))


def test_bootstrap_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(3)
    dates = np.datetime64("2014-09-01") + rng.integers(0, 40, 400)
    labels = rng.random(400) < 0.2
    scores = labels + rng.normal(0, 1, 400)
    low, high = bootstrap_days_earlier(dates, scores, labels, draws=300, seed=1)
    assert (low, high) == bootstrap_days_earlier(dates, scores, labels, draws=300, seed=1)
    assert (low, high) != bootstrap_days_earlier(dates, scores, labels, draws=300, seed=2)
    assert low < days_earlier(dates, scores, labels).mean() < high
    assert low > 0  # the informative score finds violations earlier in every resample


def test_bootstrap_of_a_constant_score_is_zero():
    dates = np.datetime64("2014-09-01") + np.arange(30) // 3
    labels = np.arange(30) % 4 == 0
    assert bootstrap_days_earlier(dates, np.zeros(30), labels, draws=100) == (0.0, 0.0)
