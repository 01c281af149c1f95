"""TreeSHAP tree by tree, once per path, gives LightGBM's own contributions."""

from __future__ import annotations

import functools

import lightgbm as lgb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training import treeshap

SUMS = 1e-12  # the same terms added in another order


def _booster(seed: int, zero_as_missing: bool, leaves: int = 7) -> tuple[lgb.Booster,
                                                                          np.ndarray]:
    """A real booster over counts with many ties, zeros, missing values and a categorical
    input, as a city's quiet firms give."""
    rng = np.random.default_rng(seed)
    n = 3000
    x = np.column_stack([
        rng.poisson(0.3, n).astype(float),           # mostly zero counts
        rng.integers(0, 4000, n).astype(float),      # days: many distinct values
        np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),  # missing
        rng.integers(0, 6, n).astype(float),         # a category code
        rng.normal(size=n) * (rng.random(n) < 0.5),  # zero or either sign
    ])
    y = (x[:, 0] + (x[:, 1] < 900) + np.nan_to_num(x[:, 2]) + (x[:, 3] == 2) + x[:, 4]
         + rng.normal(size=n) > 1.2).astype(int)
    data = lgb.Dataset(x, y, categorical_feature=[3], free_raw_data=False)
    params = {"objective": "binary", "num_leaves": leaves, "min_data_in_leaf": 5,
              "verbose": -1, "zero_as_missing": zero_as_missing, "seed": seed}
    return lgb.train(params, data, num_boost_round=40), x


@pytest.mark.parametrize(("zero_as_missing", "leaves"), [(False, 7), (True, 7), (False, 31)])
def test_the_same_contributions_as_lightgbm_for_every_row(zero_as_missing, leaves):
    booster, x = _booster(7, zero_as_missing, leaves)
    splits = treeshap.Splits.of(booster)
    assert splits.small and all(3 not in t or t[3] is None for t in splits.trees)
    expected = booster.predict(x, pred_contrib=True)
    assert np.allclose(treeshap.contributions(booster, splits, x), expected, rtol=0, atol=SUMS)
    assert np.allclose(treeshap.per_tree(booster, splits, x[:3]), expected[:3], rtol=0,
                       atol=SUMS)


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_values_on_either_side_of_every_threshold_and_at_zero(zero_as_missing):
    booster, x = _booster(11, zero_as_missing)
    splits = treeshap.Splits.of(booster)
    rows = []
    for tree in splits.trees:
        for j, cuts in tree.items():
            probes = [0.0, -0.0, 1e-36, -1e-36, 0.1, -0.1, np.nan]
            if cuts is not None:
                probes += [*cuts, *np.nextafter(cuts, np.inf), *np.nextafter(cuts, -np.inf)]
            for value in probes:
                row = x[len(rows) % len(x)].copy()
                row[j] = value
                rows.append(row)
    probes = np.array(rows)
    expected = booster.predict(probes, pred_contrib=True)
    assert np.allclose(treeshap.per_tree(booster, splits, probes), expected, rtol=0,
                       atol=SUMS)


@functools.cache
def _fixed() -> tuple[lgb.Booster, treeshap.Splits]:
    booster, _ = _booster(3, False)
    return booster, treeshap.Splits.of(booster)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.0, -0.0, 5e-36, 7.0]),
                          st.integers(0, 4000), st.sampled_from([np.nan, 0.0, 0.25, -1.5]),
                          st.sampled_from([0.0, 2.0, 5.0, 9.0, np.nan]),
                          st.sampled_from([0.0, -0.3, 0.3, np.nan]), st.integers(0, 1000)),
                min_size=1, max_size=60))
def test_any_rows_including_days_on_thresholds(rows):
    booster, splits = _fixed()
    x = np.array([row[:5] for row in rows], dtype=float)
    days = np.unique(np.concatenate([t[1] for t in splits.trees if 1 in t]))
    on = np.array([row[5] % 2 == 0 for row in rows])  # half the days exactly on a threshold
    x[on, 1] = days[[row[5] % len(days) for row, o in zip(rows, on, strict=True) if o]]
    expected = booster.predict(x, pred_contrib=True)
    assert np.allclose(treeshap.per_tree(booster, splits, x), expected, rtol=0, atol=SUMS)


def test_big_trees_go_to_lightgbm_whole():
    booster, x = _booster(5, False, leaves=63)
    splits = treeshap.Splits.of(booster)
    assert not splits.small
    assert np.array_equal(treeshap.contributions(booster, splits, x),
                          booster.predict(x, pred_contrib=True))
