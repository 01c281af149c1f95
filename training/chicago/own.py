"""riskwarn's rows: the raw Chicago tables through riskwarn's adapter and inspection-outcome
cohort, on the published split's inspections, for `riskwarn backtest`'s rankings.

No derived column of the city's analysis table is read: its history, recency and
nearby-complaint features are rebuilt from the raw inspection, licence and 311 records. The
analysis table gives only which inspections make up the published split (their ids) and their
dates; the label is the inspection's own critical-violation count, as the adapter reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from features.adapters.chicago import id_text, write_sources
from features.build import FEATURE_SET_VERSION
from features.cohorts import inspection_cohort
from features.dataset import source_fingerprint
from features.loading import load_sources
from features.prepare import prepare
from training.chicago.data import DATE, LABEL, published_rows, read_model_table, split

COHORT_VERSION = "3"  # bump when the adapter or the cohort's features change
# columns of the city's analysis table riskwarn's row must never read
DERIVED = ("past", "timeSinceLast", "heat_", "ageAtInspection", "firstRecord", "temperature",
           "Inspector_Assigned")


def _stamp(data: Path) -> dict[str, str]:
    return {"data": source_fingerprint(data), "version": COHORT_VERSION,
            "feature_set_version": FEATURE_SET_VERSION}


def cohort(data: Path, work: Path, step: Callable[[], None] | None = None) -> pd.DataFrame:
    """Every canvass inspection as a cohort row (features as of its date, label = a critical
    violation found), built once and kept in `work` until the data or the code changes."""
    path, stamp_path = work / "cohort.parquet", work / "cohort.json"
    stamp = _stamp(data)
    if path.exists() and stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp:
        return pd.read_parquet(path)
    sources = work / "sources"
    write_sources(data, sources)
    loaded = load_sources(sources)
    built = inspection_cohort(prepare(loaded.tables, meta=loaded.meta), loaded["inspections"],
                              "critical", ["food"], step)
    work.mkdir(parents=True, exist_ok=True)
    side = path.with_name(".cohort.partial.parquet")
    built.to_parquet(side, index=False)
    side.replace(path)
    stamp_path.write_text(json.dumps(stamp))
    return built


def visit_days(data: Path, work: Path) -> int:
    """How many distinct days the cohort is built for (for a progress bar)."""
    if (work / "cohort.json").exists() and json.loads(
            (work / "cohort.json").read_text()) == _stamp(data):
        return 0
    dates = pd.read_parquet(data / "23_food_insp_features.parquet", columns=["Inspection_Date"])
    return int(dates["Inspection_Date"].nunique())


def published_split(rows: pd.DataFrame, table: pd.DataFrame
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cohort rows of the published split's inspections, named as the split names them
    (`Inspection_Date`, `criticalFound`), in the published order."""
    ids = id_text(published_rows(table)["Inspection_ID"])
    mine = rows.assign(order=rows["inspection_id"].map(pd.Series(range(len(ids)), index=ids)))
    mine = mine.dropna(subset=["order"]).sort_values("order", kind="stable").drop(
        columns="order")
    mine = mine.rename(columns={"inspected_on": DATE, "label": LABEL})
    mine[LABEL] = mine[LABEL].astype(int)
    return split(mine)


def own_split(data: Path, work: Path, step: Callable[[], None] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(train, test, facts) of riskwarn's own features on the published split."""
    rows = cohort(data, work, step)
    train, test = published_split(rows, read_model_table(data))
    facts = {"cohort_rows": len(rows), "train_rows": len(train), "test_rows": len(test),
             "test_positives": int(test[LABEL].sum())}
    return train, test, facts
