import numpy as np
import pandas as pd
import pytest

from training.data import NotEnoughHistory, temporal_split
from training.evaluate import evaluate_period
from training.metrics import (
    ece_noise_floor,
    expected_calibration_error,
    ipw_lift,
    list_share,
    precision_at_k,
    precision_at_k_ipw,
    precision_ipw,
    recall_at_k,
    window_inclusion,
)
from training.tiers import assign_tiers, tier_cutoffs


def test_precision_and_recall_at_k():
    y = np.array([1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.2])
    assert precision_at_k(y, scores, 2) == 0.5
    assert precision_at_k(y, scores, 3) == pytest.approx(2 / 3)
    assert recall_at_k(y, scores, 1) == 0.5
    assert precision_at_k(y, scores, 99) == 0.4


def test_ties_at_the_capacity_share_the_remaining_places():
    """A points rule ties many firms: the list takes its remaining places from the tied
    firms in equal shares (the expectation over a random order), not in row order."""
    scores = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    share = list_share(scores, 2)
    assert share == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3, 0])
    y = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    assert precision_at_k(y, scores, 2) == pytest.approx((1 + 1 / 3) / 2)
    assert recall_at_k(y, scores, 2) == pytest.approx((1 + 1 / 3) / 2)
    assert list_share(np.array([np.nan, 1.0]), 1) == pytest.approx([0, 1])
    assert list_share(scores, 0).sum() == 0


# Five firms on one as-of date; a random inspection saw firms 0, 1, 3 and 4 (firm 2: none).
Y_RANDOM = np.array([1.0, 0.0, np.nan, 1.0, 0.0])
INCLUSION = np.array([0.5, 0.25, 0.1, 0.5, 0.5])
MODEL = np.array([5.0, 4.0, 3.0, 2.0, 1.0])  # lists firms 0, 1, 2 at k = 3
RULE = np.array([5.0, 0.0, 0.0, 4.0, 3.0])   # lists firms 0, 3, 4


def test_inverse_probability_weighted_precision_by_hand():
    # listed and inspected: firm 0 (violation, weight 1/0.5 = 2), firm 1 (none, weight 4);
    # unweighted that is 1/2, but firm 1 stands for twice as many firms as firm 0
    share = list_share(MODEL, 3)
    estimate, se, seen = precision_ipw(Y_RANDOM, share, INCLUSION)
    assert (estimate, seen) == (pytest.approx(1 / 3), 2)
    # influence 2(1 - 1/3)/6 = 2/9 and 4(0 - 1/3)/6 = -2/9
    assert se == pytest.approx(np.sqrt(2 * (2 / 9) ** 2))
    assert precision_at_k_ipw(Y_RANDOM, MODEL, 3, INCLUSION) == pytest.approx(1 / 3)
    # one firm seen twice is one sample: its influences cancel
    assert precision_ipw(Y_RANDOM, share, INCLUSION, np.array([0, 0, 2, 3, 4]))[1] == (
        pytest.approx(0, abs=1e-12))
    rule = precision_ipw(Y_RANDOM, list_share(RULE, 3), INCLUSION)[0]
    assert rule == pytest.approx((2 + 2) / (2 + 2 + 2))
    lift, log_se = ipw_lift(Y_RANDOM, share, list_share(RULE, 3), INCLUSION)
    assert lift == pytest.approx(0.5) and log_se > 0
    nobody = precision_ipw(Y_RANDOM, list_share(-MODEL, 1), INCLUSION)  # firm 4 only
    assert nobody[0] == 0 and nobody[2] == 1
    assert np.isnan(precision_ipw(Y_RANDOM, np.array([0, 0, 1.0, 0, 0]), INCLUSION)[0])


def test_window_inclusion_from_the_monthly_draw():
    assert window_inclusion(np.array([1 / 12]), 365)[0] == pytest.approx(
        1 - (11 / 12) ** (365 / (365.25 / 12)))
    assert window_inclusion(np.array([0.2]), None)[0] == 0.2
    assert window_inclusion(np.array([1.0]), 180)[0] == 1.0


def test_evaluate_period_reports_ipw_precision_for_model_and_rule():
    frame = pd.DataFrame({
        "as_of": pd.Timestamp("2025-01-31"), "uscc": [f"F{i}" for i in range(5)],
        "label": [1.0, 0.0, 0.0, 1.0, 0.0], "label_random": Y_RANDOM,
        "random_inclusion_prob": INCLUSION, "pen_1095d": 0.0, "abn_listed_now": 0.0,
        "serious_listed": 0.0, "comp_365d": RULE})
    out = evaluate_period(frame, MODEL / 10, 3)
    assert out["test_precision_at_k_random_ipw"] == pytest.approx(1 / 3)
    assert out["test_rule_precision_at_k_random_ipw"] == pytest.approx(2 / 3)
    assert out["test_lift_over_rule_at_k_random_ipw"] == pytest.approx(0.5)
    assert out["test_random_ipw_listed"] == 2
    assert out["test_random_ipw_base_rate"] == pytest.approx((2 + 2) / (2 + 4 + 2 + 2))
    assert out["test_precision_at_k"] == pytest.approx(1 / 3)
    assert out["test_rule_precision_at_k"] == pytest.approx(2 / 3)


def test_calibration_noise_floor():
    assert ece_noise_floor(np.array([0.0, 1.0] * 50)) == 0
    p = np.full(600, 0.05)
    rows = ece_noise_floor(p)
    firms = ece_noise_floor(p, np.repeat(np.arange(200), 3))  # each firm on three dates
    assert 0 < rows < firms < 0.05
    assert ece_noise_floor(p) == rows  # seeded: the same figure every run


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


def test_rows_encoded_in_chunks_equal_the_encoder_fitted_on_all_rows():
    """`encode_rows` (fitted on distinct values, chunk by chunk, float32: training's memory at
    city scale) gives fit_transform's array, missing categories and days included."""
    from training.model import column_order, encode_rows, inputs, make_pipeline

    rng = np.random.default_rng(0)
    n = 5003
    rows = pd.DataFrame({
        "town_code": pd.Series(rng.choice(["441900101", "441900102", None], n), dtype="str"),
        "entity_type": pd.Series(rng.choice(["有限责任公司", "个体工商户"], n), dtype="str"),
        "pen_days_since_last": np.where(rng.random(n) < 0.5, np.nan, rng.integers(1, 900, n)),
        "pen_count_3y": rng.poisson(0.3, n).astype(float), "reg_capital": rng.lognormal(3, 1, n)})
    features = list(rows.columns)
    assert len(column_order(features)[0]) == 2
    whole = make_pipeline(features, {}).named_steps["encode"].fit_transform(inputs(rows, features))
    chunked = encode_rows(make_pipeline(features, {}).named_steps["encode"], rows, features, 700)
    assert chunked.dtype == np.float32
    np.testing.assert_array_equal(chunked, whole.astype(np.float32))
