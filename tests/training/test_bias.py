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
    assert report.loc["big", "small"] and not report.loc["big", "reference"]
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
    assert report.loc["c", "n"] == 90 and report.loc["c", "firms"] == 30
    assert report.loc["c", "small"] and not report.loc["c", "judged"]
    assert report.loc["c", "passes"]


def test_an_attribute_with_no_group_big_enough_is_not_judged():
    frame = pd.concat([_town("x", 40, 10, 3, 1), _town("y", 45, 12, 4, 4)])
    report = bias.audit(frame, frame.pop("flag").to_numpy())
    assert not report["judged"].any() and bias.passes(report)
    assert "town: not judged, all 2 groups too small" in bias.summary(report)
