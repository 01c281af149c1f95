"""Reading the feature dataset and the temporal design: train earlier, calibrate later, test
on the latest as-of date whose labels are complete. Never a random split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.build import CATEGORICAL
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
    for name in CATEGORICAL:
        frame[name] = frame[name].astype(str)
    return frame.sort_values(["as_of", "uscc"]).reset_index(drop=True)


def feature_names(frame: pd.DataFrame) -> list[str]:
    """Model inputs: every column but the key, the date and the labels."""
    return [c for c in frame.columns if c not in ("uscc", "as_of", "industry", *LABEL_COLUMNS)]


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


TEST_DATES = 3  # the test period: the latest three labelled as-of dates (monthly: a quarter)


def temporal_split(frame: pd.DataFrame, horizon_days: int, test_dates: int = TEST_DATES
                   ) -> Split:
    """Test: the latest labelled as-of dates. Calibration: the latest one at least a horizon
    before the first test date (its outcomes were all known by then). Train: every earlier
    date. The test period is never used for fitting, calibrating or tuning."""
    labelled = sorted(frame.loc[frame["label"].notna(), "as_of"].unique())
    if not labelled:
        raise NotEnoughHistory("no as-of date has complete labels yet")
    tests = labelled[-test_dates:]
    test_date = tests[0]
    gap = pd.Timedelta(days=horizon_days)
    earlier = [d for d in labelled if d <= test_date - gap]
    if not earlier:
        raise NotEnoughHistory(f"no labelled as-of date {horizon_days} days before the test "
                               f"period starting {test_date:%Y-%m-%d}")
    calibration_date = earlier[-1]
    train_dates = [d for d in labelled if d < calibration_date]
    if not train_dates:
        raise NotEnoughHistory(f"no labelled as-of date before {calibration_date:%Y-%m-%d} "
                               "to train on")
    rows = frame.loc[frame["label"].notna()]
    return Split(
        train=rows.loc[rows["as_of"].isin(train_dates)].reset_index(drop=True),
        calibration=rows.loc[rows["as_of"] == calibration_date].reset_index(drop=True),
        test=rows.loc[rows["as_of"].isin(tests)].reset_index(drop=True),
    )
