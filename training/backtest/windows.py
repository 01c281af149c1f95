"""Test windows of a back-test and the visits each is trained on."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from training.data import Split, calibration_periods, fitted_before, periods


@dataclass(frozen=True)
class Window:
    """One test window, both ends included, trained on visits up to `train_to`."""

    number: int
    test_from: pd.Timestamp
    test_to: pd.Timestamp
    train_to: pd.Timestamp


def windows(test_from: pd.Timestamp, test_to: pd.Timestamp, train_to: pd.Timestamp | None,
            count: int, months: int) -> list[Window]:
    """One window from `test_from` to `test_to`, or `count` successive windows of `months`
    months from `test_from` (rolling origin: each trained on every visit before it). Raises
    ValueError naming the option that does not fit."""
    if test_to < test_from:
        raise ValueError(f"--test-to {test_to:%Y-%m-%d} is before --test-from "
                         f"{test_from:%Y-%m-%d}")
    if train_to is not None and train_to >= test_from:
        raise ValueError(f"--train-to {train_to:%Y-%m-%d} must be before --test-from "
                         f"{test_from:%Y-%m-%d}")
    day = pd.Timedelta(days=1)
    if count == 1:
        return [Window(1, test_from, test_to, test_from - day if train_to is None else train_to)]
    if train_to is not None:
        raise ValueError("--train-to applies to one window; with --windows each window is "
                         "trained on every visit before it")
    starts = [test_from + pd.DateOffset(months=months * i) for i in range(count + 1)]
    if starts[-1] - day > test_to:
        raise ValueError(f"--windows {count} of --window-months {months} from "
                         f"{test_from:%Y-%m-%d} end on {starts[-1] - day:%Y-%m-%d}, after "
                         f"--test-to {test_to:%Y-%m-%d}")
    return [Window(i + 1, start, end - day, start - day)
            for i, (start, end) in enumerate(pairwise(starts))]


def window_split(frame: pd.DataFrame, window: Window) -> Split:
    """Train: the labelled visits up to the window's `train_to` but their latest months,
    which calibrate (`training.data.calibration_periods`). Test: the labelled visits inside
    the window."""
    rows = frame.loc[frame["label"].notna()]
    when = rows["as_of"]
    before = rows.loc[when <= window.train_to]
    test = rows.loc[(when >= window.test_from) & (when <= window.test_to)]
    unit = periods(before)
    months = sorted(unit.unique())
    if len(months) < 2 or test.empty:
        raise ValueError(f"window {window.number} ({window.test_from:%Y-%m-%d} to "
                         f"{window.test_to:%Y-%m-%d}): {len(test)} labelled test visits and "
                         f"{len(months)} months before it; needs test visits and two months")
    calibration = calibration_periods(before, unit, months)
    fit = fitted_before(months, calibration[0], 0)
    return Split(train=before.loc[unit.isin(fit)].reset_index(drop=True),
                 calibration=before.loc[unit.isin(calibration)].reset_index(drop=True),
                 test=test.reset_index(drop=True))
