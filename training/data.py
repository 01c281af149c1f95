"""Reading the feature dataset and the temporal design: train earlier, calibrate later, test
on the latest as-of date whose labels are complete. Never a random split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.build import as_text
from features.cohorts import KEYS
from features.dataset import MANIFEST
from features.industries import Industry
from features.labels import LABEL_COLUMNS
from features.towns import DISTRICTS


class NotEnoughHistory(ValueError):
    """The feature dataset has too few labelled as-of dates for the temporal design."""


def districts_of(features: Path) -> dict[str, str]:
    """The data set's districts (area code -> district, `_dataset.yaml`), as its feature
    dataset recorded them (Dongguan's 片区 for a dataset written before they were)."""
    manifest = json.loads((Path(features) / MANIFEST).read_text("utf-8"))
    return dict(manifest.get("districts", DISTRICTS))


# Arrow text as pandas' default string dtype, as `pd.read_parquet` gives it
TEXT = {pa.string(): pd.StringDtype(na_value=np.nan),
        pa.large_string(): pd.StringDtype(na_value=np.nan)}


def _partitions(features: Path, industry: str) -> list[Path]:
    path = Path(features) / f"industry={industry}"
    folders = sorted(path.glob("as_of=*")) if path.is_dir() else []
    if not folders:
        raise FileNotFoundError(f"{features}: no features for industry {industry} "
                                f"(run riskwarn features first)")
    return folders


def float32_inputs(table: pa.Table) -> pa.Table:
    """The float64 model inputs as float32 (the labels as they are)."""
    fields = [f.with_type(pa.float32()) if f.type == pa.float64() and f.name not in
              LABEL_COLUMNS else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def load_features(features: Path, industry: str, columns: list[str] | None = None,
                  dates: set[pd.Timestamp] | None = None, labelled: bool = False,
                  float32: bool = False) -> pd.DataFrame:
    """One industry's rows from a feature dataset, with `as_of` as a timestamp, sorted by
    as-of date and firm: all of them, or only `columns` (with `as_of`), the as-of `dates`,
    the `labelled` rows; with `float32`, the numeric inputs as float32 (`float32_inputs`)."""
    # one partition at a time, sorted in Arrow, converted column by column while Arrow's
    # copy is released: the rows of `sort_values` over `pd.read_parquet`'s frame, in about
    # 60 % of its peak memory (city food: 5.6 GB against 9.2)
    parts = []
    for folder in _partitions(features, industry):
        day = folder.name.removeprefix("as_of=")
        if dates is not None and pd.Timestamp(day) not in dates:
            continue
        table = pq.read_table(folder).sort_by("uscc")  # a stable sort, like pandas'
        if labelled:
            table = table.filter(pc.is_valid(table["label"]))
        if columns is not None:
            table = table.select([c for c in columns if c in table.column_names])
        if float32:
            table = float32_inputs(table)
        parts.append(table.append_column("as_of", pa.array([day] * table.num_rows, pa.string())))
    if not parts:
        raise FileNotFoundError(f"{features}: no features for industry {industry} on the "
                                "as-of dates asked for")
    table = pa.concat_tables(parts)
    del parts
    frame = table.to_pandas(self_destruct=True, split_blocks=True, types_mapper=TEXT.get)
    del table
    frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str))
    # Arrow's pool (mimalloc) keeps what the conversion freed unless asked: 0.7 GB of RSS
    # after city food's split, on top of which training's peak came
    pa.default_memory_pool().release_unused()
    return as_text(frame)


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


def calibration_target(spec: Industry, columns: pd.Index | list[str]) -> str:
    """The column the probability curve is fitted on (`columns`: the feature dataset's): the
    outcome of random inspections (`label_random`) where the number is the chance that an
    inspection finds a problem; else, and for an inspection cohort, whose every row is a
    visit and `label` its outcome, `label`."""
    cohort = "inspection_id" in columns
    return "label_random" if spec.probability == "inspection" and not cohort else "label"


CALIBRATION_VISITS = 200  # calibrate on the latest periods holding this many outcomes
CALIBRATION_CLASS = 5  # ... and this many of each


def calibration_periods(frame: pd.DataFrame, unit: pd.Series,
                        candidates: list[pd.Timestamp], target: str = "label"
                        ) -> list[pd.Timestamp]:
    """The periods that calibrate, in order: the latest candidate of firm snapshots labelled
    for every firm; for a cohort's visits or random inspections' outcomes (`target`), as
    many of the latest as hold CALIBRATION_VISITS outcomes with CALIBRATION_CLASS of each (a
    month of a small city may hold four visits), at most a third of them."""
    if not is_cohort(frame) and target == "label":
        return candidates[-1:]
    y = frame[target]
    chosen: list[pd.Timestamp] = []
    for period in reversed(candidates[-max(1, len(candidates) // 3):]):
        chosen.insert(0, period)
        mine = y[unit.isin(chosen) & y.notna()]
        found = int(mine.sum())
        if len(mine) >= CALIBRATION_VISITS and min(found, len(mine) - found) >= (
                CALIBRATION_CLASS):
            break
    return chosen


def temporal_split(frame: pd.DataFrame, horizon_days: int, test_dates: int = TEST_DATES,
                   target: str = "label", target_days: int | None = None) -> Split:
    """Test: the latest labelled periods (`periods`). Calibration: the latest one whose
    `target` outcomes (`target_days` windows; the label's horizon by default) were all known
    before the first test period, or several where `target` holds few outcomes
    (`calibration_periods`); a visit's outcome is known at the visit, so a cohort's
    calibration month is the one just before. Train: the periods before calibration whose
    labels were all known before the test period. The test period is never used for fitting,
    calibrating or tuning."""
    unit = periods(frame)
    horizon_days = label_gap(frame, horizon_days)
    target_gap = label_gap(frame, target_days if target_days is not None else horizon_days)
    labelled = sorted(unit[frame["label"].notna()].unique())
    if not labelled:
        raise NotEnoughHistory("no as-of date has complete labels yet")
    tests = labelled[-test_dates:]
    test_date = tests[0]
    earlier = fitted_before(labelled, test_date, target_gap)
    if not earlier:
        raise NotEnoughHistory(f"no labelled as-of date {target_gap} days before the test "
                               f"period starting {test_date:%Y-%m-%d}")
    calibration = calibration_periods(frame, unit, earlier, target)
    train_dates = [d for d in fitted_before(labelled, test_date, horizon_days)
                   if d < calibration[0]]
    if not train_dates:
        raise NotEnoughHistory(f"no labelled as-of date before {calibration[0]:%Y-%m-%d} "
                               f"and {horizon_days} days before the test period to train on")
    labelled_rows = frame["label"].notna()
    return Split(
        train=frame.loc[labelled_rows & unit.isin(train_dates)].reset_index(drop=True),
        calibration=frame.loc[labelled_rows & unit.isin(calibration)].reset_index(drop=True),
        test=frame.loc[labelled_rows & unit.isin(tests)].reset_index(drop=True),
    )


def split_for(frame: pd.DataFrame, spec: Industry) -> Split:
    """`temporal_split` for an industry: calibrated on what its probability means."""
    return temporal_split(frame, spec.horizon_days,
                          target=calibration_target(spec, frame.columns),
                          target_days=spec.random_window_days)


def load_split(features: Path, industry: str, spec: Industry, float32_train: bool = False
               ) -> Split:
    """`split_for` on the feature dataset, decided on the few columns it needs, then each
    part read by itself: the same frames, without the whole dataset and its training rows
    in memory at once (city food: 3.8 GB and 3.3 more). `float32_train`: the training rows'
    numeric inputs as float32, the precision `training.model.encode_rows` gives the booster
    (the same model from a 1.7 GB frame instead of 2.7 at city food)."""
    names = pq.read_schema(next(_partitions(features, industry)[0].glob("*.parquet"))).names
    target = calibration_target(spec, names)
    keys = load_features(features, industry,
                         list(dict.fromkeys(["uscc", "inspection_id", "label", target])))
    when = split_for(keys, spec)
    part = {name: load_features(features, industry, dates=set(getattr(when, name)["as_of"]),
                                labelled=True, float32=float32_train and name == "train")
            for name in ("train", "calibration", "test")}
    return Split(**part)


def feature_names(frame: pd.DataFrame) -> list[str]:
    """Model inputs: every column but the keys (an inspection cohort's too), the date and the
    labels."""
    return [c for c in frame.columns if c not in ("as_of", *KEYS, *LABEL_COLUMNS)]
