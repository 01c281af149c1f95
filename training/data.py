"""Reading the feature dataset and the temporal design: train earlier, calibrate later, test
on the latest as-of date whose labels are complete. Never a random split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.build import as_text
from features.cohorts import KEYS
from features.labels import LABEL_COLUMNS


class NotEnoughHistory(ValueError):
    """The feature dataset has too few labelled as-of dates for the temporal design."""


def load_features(features: Path, industry: str) -> pd.DataFrame:
    """One industry's rows from a feature dataset, with `as_of` as a timestamp."""
    path = Path(features) / f"industry={industry}"
    if not path.is_dir():
        raise FileNotFoundError(f"{features}: no features for industry {industry} "
                                f"(run riskwarn features first)")
    frame = pd.read_parquet(path)
    frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str))
    return as_text(frame).sort_values(["as_of", "uscc"]).reset_index(drop=True)


def feature_names(frame: pd.DataFrame) -> list[str]:
    """Model inputs: every column but the keys (an inspection cohort's too), the date and the
    labels."""
    return [c for c in frame.columns if c not in ("as_of", *KEYS, *LABEL_COLUMNS)]


@dataclass
class Split:
    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame

    def describe(self) -> dict[str, str]:
        return {
            "train_from": f"{self.train['as_of'].min():%Y-%m-%d}",
            "train_to": f"{self.train['as_of'].max():%Y-%m-%d}",
            "calibration_as_of": f"{self.calibration['as_of'].max():%Y-%m-%d}",
            "test_from": f"{self.test['as_of'].min():%Y-%m-%d}",
            "test_to": f"{self.test['as_of'].max():%Y-%m-%d}",
        }


TEST_DATES = 3  # the test period: the latest three labelled periods (monthly: a quarter)


def is_cohort(frame: pd.DataFrame) -> bool:
    """An inspection cohort's rows (one per visit) carry the visit's `inspection_id`."""
    return "inspection_id" in frame


def periods(frame: pd.DataFrame) -> pd.Series:
    """The unit the temporal split counts: each as-of date of a firm snapshot dataset; the
    calendar month (its last day) of an inspection cohort's visits, whose as-of is the visit
    date."""
    if not is_cohort(frame):
        return frame["as_of"]
    return frame["as_of"].dt.to_period("M").dt.to_timestamp(how="end").dt.normalize()


def label_gap(frame: pd.DataFrame, horizon_days: int) -> int:
    """Days a row's label takes to be known: the industry's horizon for a firm snapshot, none
    for a visit (its outcome is known at the visit)."""
    return 0 if is_cohort(frame) else horizon_days


def fitted_before(unit: list[pd.Timestamp], valid: pd.Timestamp, horizon_days: int
                  ) -> list[pd.Timestamp]:
    """The periods whose labels were all known before period `valid` starts."""
    return [d for d in unit if d <= valid - pd.Timedelta(days=horizon_days) and d < valid]


CALIBRATION_VISITS = 200  # a cohort calibrates on its latest months holding this many visits
CALIBRATION_CLASS = 5  # ... and this many of each outcome


def calibration_periods(frame: pd.DataFrame, unit: pd.Series,
                        candidates: list[pd.Timestamp]) -> list[pd.Timestamp]:
    """The periods that calibrate, in order: the latest candidate; for a cohort, as many of
    the latest as hold CALIBRATION_VISITS labelled visits with CALIBRATION_CLASS of each
    outcome (a month of a small city may hold four visits), at most a third of them."""
    if not is_cohort(frame):
        return candidates[-1:]
    y = frame["label"]
    chosen: list[pd.Timestamp] = []
    for period in reversed(candidates[-max(1, len(candidates) // 3):]):
        chosen.insert(0, period)
        mine = y[unit.isin(chosen) & y.notna()]
        found = int(mine.sum())
        if len(mine) >= CALIBRATION_VISITS and min(found, len(mine) - found) >= (
                CALIBRATION_CLASS):
            break
    return chosen


def temporal_split(frame: pd.DataFrame, horizon_days: int, test_dates: int = TEST_DATES
                   ) -> Split:
    """Test: the latest labelled periods (`periods`). Calibration: the latest one at least a
    horizon before the first test period (its outcomes were all known by then; a visit's
    outcome is known at the visit, so a cohort's calibration month is the one just before).
    Train: every earlier period. The test period is never used for fitting, calibrating or
    tuning."""
    unit = periods(frame)
    horizon_days = label_gap(frame, horizon_days)
    labelled = sorted(unit[frame["label"].notna()].unique())
    if not labelled:
        raise NotEnoughHistory("no as-of date has complete labels yet")
    tests = labelled[-test_dates:]
    test_date = tests[0]
    earlier = fitted_before(labelled, test_date, horizon_days)
    if not earlier:
        raise NotEnoughHistory(f"no labelled as-of date {horizon_days} days before the test "
                               f"period starting {test_date:%Y-%m-%d}")
    calibration = calibration_periods(frame, unit, earlier)
    train_dates = [d for d in labelled if d < calibration[0]]
    if not train_dates:
        raise NotEnoughHistory(f"no labelled as-of date before {calibration[0]:%Y-%m-%d} "
                               "to train on")
    labelled_rows = frame["label"].notna()
    return Split(
        train=frame.loc[labelled_rows & unit.isin(train_dates)].reset_index(drop=True),
        calibration=frame.loc[labelled_rows & unit.isin(calibration)].reset_index(drop=True),
        test=frame.loc[labelled_rows & unit.isin(tests)].reset_index(drop=True),
    )
