import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from features.registry import combine_stats, partial_stats


def _level(values, towns):
    n = len(values)
    return pd.DataFrame({
        "uscc": [f"F{i}" for i in range(n)], "address": [f"a{i % 3}" for i in range(n)],
        "legal_rep_id": [None if i % 4 == 0 else f"p{i % 2}" for i in range(n)],
        "town_code": towns, "industry": "food", "comp_365d": np.asarray(values, float),
        "_penalised": [float(i % 2) for i in range(n)], "_listed": 0.0,
    })


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(1, 4))
def test_stats_combined_from_parts_equal_stats_of_the_whole(values, pieces):
    towns = [f"t{v % 2}" for v in range(len(values))]
    level = _level(values, towns)
    whole = combine_stats([partial_stats(level)])
    bounds = np.linspace(0, len(level), pieces + 1).astype(int)
    parts = [level.iloc[lo:hi] for lo, hi in itertools.pairwise(bounds) if hi > lo]
    split = combine_stats([partial_stats(p) for p in parts])
    expected = level.groupby(["town_code", "industry"])["comp_365d"].median()
    pd.testing.assert_series_equal(whole.peer_median, expected, check_names=False)
    pd.testing.assert_series_equal(split.peer_median, expected, check_names=False)
    for name in ("addr", "rep"):
        pd.testing.assert_frame_equal(split.related[name], whole.related[name])
    assert whole.related["addr"]["n"].sum() == len(values)
    assert whole.related["rep"]["n"].sum() == sum(i % 4 != 0 for i in range(len(values)))
