"""The bias audit on hand-made lists: firms, not rows, decide whether a group can be judged,
and only a group big enough to judge can be the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training import bias


def _town(town: str, firms: int, flagged: int, positives: int, hits: int, dates: int = 1
          ) -> pd.DataFrame:
    """`firms` firms of one town on `dates` as-of dates: the first `flagged` are on the list,
    the first `hits` of them are positive, and `positives - hits` unlisted firms too."""
    i = np.arange(firms)
    listed = i < flagged
    positive = (i < hits) | ((i >= flagged) & (i < flagged + positives - hits))
    one = pd.DataFrame({"uscc": [f"{town}-{n}" for n in i], "town_code": town,
                        "log_capital": 1.0, "label": positive.astype(float), "flag": listed})
    return pd.concat([one.assign(as_of=pd.Timestamp("2025-01-31") + pd.offsets.MonthEnd(d))
                      for d in range(dates)], ignore_index=True)


def _audit(*towns: pd.DataFrame) -> pd.DataFrame:
    frame = pd.concat(towns, ignore_index=True)
    report = bias.audit(frame, frame.pop("flag").to_numpy())
    return report.loc[report["attribute"] == "town"].set_index("group")


def test_the_reference_is_the_largest_group_big_enough_to_judge():
    # the biggest town has 5 listed firms and 2 positives: its FDR of 1.0 is noise, and a
    # ratio against it would fail both towns that can be judged (0.6 and 0.68)
    report = _audit(_town("big", 300, 5, 2, 0), _town("a", 120, 25, 12, 10),
                    _town("b", 60, 25, 12, 8))
    # too small alone and in no district: pooled with the rest, still too small
    assert report.loc[bias.REST, "small"] and not report.loc[bias.REST, "reference"]
    assert report.loc["a", "reference"]
    assert report.loc["b", "fdr_disparity"] == (17 / 25) / (15 / 25)
    assert report["passes"].all() and report["judged"].sum() == 2


def test_a_judged_group_outside_the_80_percent_rule_fails():
    report = _audit(_town("a", 120, 25, 12, 5), _town("b", 60, 25, 15, 15))
    assert report.loc["b", "fdr_disparity"] == (10 / 25) / (20 / 25)
    assert not report.loc["b", "passes"]
    frame = pd.concat([_town("a", 120, 25, 12, 5), _town("b", 60, 25, 15, 15)])
    full = bias.audit(frame, frame.pop("flag").to_numpy())
    assert not bias.passes(full)
    assert bias.summary(full).startswith("FAILS") and "failing b" in bias.summary(full)


def test_three_dates_of_the_same_firms_are_not_three_times_the_evidence():
    # 30 firms on three month-ends: 90 rows, 30 listed rows, 15 positive rows, but 30 firms
    report = _audit(_town("a", 120, 25, 12, 5), _town("c", 30, 10, 5, 5, dates=3))
    assert report.loc[bias.REST, "n"] == 90 and report.loc[bias.REST, "firms"] == 30
    assert report.loc[bias.REST, "small"] and not report.loc[bias.REST, "judged"]
    assert report.loc[bias.REST, "passes"]


def test_an_attribute_with_no_group_big_enough_is_not_judged():
    frame = pd.concat([_town("x", 40, 10, 3, 1), _town("y", 45, 12, 4, 4)])
    report = bias.audit(frame, frame.pop("flag").to_numpy())
    assert not report["judged"].any() and bias.passes(report)
    assert "town: not judged, all 1 groups too small" in bias.summary(report)  # pooled


def test_small_towns_are_judged_together_in_their_district_and_the_rest_pooled():
    towns = [_town("a", 120, 25, 12, 10), _town("x", 40, 12, 6, 5), _town("y", 40, 12, 6, 5),
             _town("z", 30, 4, 2, 1)]
    frame = pd.concat(towns, ignore_index=True)
    flagged = frame.pop("flag").to_numpy()
    report = bias.audit(frame, flagged, {"x": "north", "y": "north", "z": "south"})
    town = report.loc[report["attribute"] == "town"].set_index("group")
    assert set(town.index) == {"a", "north", bias.REST}  # z: too small even in its south
    assert town.loc["north", "judged"] and town.loc["north", "firms"] == 80
    assert not town.loc[bias.REST, "judged"]
    # 49 of 53 flagged firms are in judged groups; the pooled north's disparity has an interval
    assert bias.judged_share(report) == 49 / 53
    low, mid, high = town.loc["north", ["fdr_disparity_low", "fdr_disparity",
                                        "fdr_disparity_high"]]
    assert low < mid < high and mid == (14 / 24) / (15 / 25)
    assert "92% of flagged firms in judged groups" in bias.summary(report)


def test_one_group_large_enough_is_compared_with_nothing_and_not_judged():
    frame = pd.concat([_town("a", 120, 25, 12, 10), _town("x", 40, 10, 3, 1)])
    report = bias.audit(frame, frame.pop("flag").to_numpy())
    town = report.loc[report["attribute"] == "town"]
    assert not town["judged"].any() and town["reference"].sum() == 1
    assert "town: not judged, only a is large enough of 2 groups" in bias.summary(report)
