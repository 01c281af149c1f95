"""riskwarn's own row: the raw Chicago tables through riskwarn's adapter, inspection-outcome
cohort and feature code, then LightGBM tuned by temporal validation inside the training period.

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

import numpy as np
import pandas as pd

from features.adapters.chicago import id_text, write_sources
from features.build import FEATURE_SET_VERSION
from features.cohorts import inspection_cohort
from features.dataset import source_fingerprint
from features.loading import load_sources
from features.prepare import prepare
from training.chicago.data import DATE, LABEL, published_rows, read_model_table, split
from training.chicago.lgbm import fit_lightgbm, lightgbm_scores, tune_inputs

OWN_NAME = "riskwarn LightGBM (its own pipeline from the raw tables)"
COHORT_VERSION = "2"  # bump when the adapter or the cohort's features change
# the pipeline's inputs that carry information for Chicago (the others are constant there:
# no penalties, listings, registration changes or capital are published)
OWN_INPUTS = (
    "visit_inspector", "industry_code", "entity_type", "town_code", "age_days",
    "addr_firms", "rep_firms", "comp_90d", "comp_365d", "comp_hygiene_365d",
    "comp_food_safety_365d", "insp_targeted", "insp_targeted_violations",
    "insp_days_since_last", "insp_violation_share", "insp_last_critical", "insp_critical_365d",
    "insp_last_serious", "insp_serious_365d", "insp_last_minor", "insp_minor_365d",
    "near_comp_30d", "near_comp_90d", "near_comp_365d",
)
OWN_CATEGORICAL = ("visit_inspector", "industry_code", "entity_type", "town_code")
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
    built = inspection_cohort(prepare(loaded.tables), loaded["inspections"], "critical",
                              ["food"], step)
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
    mine = mine.dropna(subset=["order"]).sort_values("order", kind="stable")
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


# the visit's context beyond the firm's own history: its lead inspector's record over the year
# before and the calendar month (`features.cohorts.visit_context`)
VISIT_RECORD = ("visit_inspector_visits_365d", "visit_inspector_found_share_365d",
                "visit_month")
OWN_INPUT_SETS: dict[str, tuple[str, ...]] = {
    "pipeline features": OWN_INPUTS,
    "pipeline features and the inspector's record": OWN_INPUTS + VISIT_RECORD,
}
# chosen by `tune_own` (`riskwarn benchmark chicago --tune`, 530 s): for each input set, Optuna
# (TPE, seed 7, 60 trials) on mean days earlier over six two-month windows at the end of the
# training period, each scored by a model fitted on every earlier training inspection (the
# protocol of the prepared inputs' row, `lgbm.tune_inputs`); validation 12.06 days with the
# inspector's record, 12.05 without: the test period played no part
OWN_CHOSEN = "pipeline features and the inspector's record"
OWN_PARAMS: dict[str, Any] = {
    "n_estimators": 450, "learning_rate": 0.016908013354458726, "num_leaves": 4,
    "min_child_samples": 283, "colsample_bytree": 0.5009548264365045,
    "subsample": 0.5287205286469312, "subsample_freq": 1, "reg_lambda": 0.054197186221402585,
}


def own_scores(train: pd.DataFrame, test: pd.DataFrame, inputs: tuple[str, ...],
               params: dict[str, Any], seed: int = 0) -> np.ndarray:
    """Probabilities of a critical violation for the test inspections, from LightGBM fitted
    on the training ones with riskwarn's own inputs."""
    fitted = fit_lightgbm(train, inputs, params, seed, categorical=OWN_CATEGORICAL)
    return lightgbm_scores(fitted, test)


def tune_own(train: pd.DataFrame, trials: int = 60, seed: int = 7
             ) -> tuple[str, dict[str, Any], dict[str, float]]:
    """(input set, parameters, validation days earlier of every set): the best set by
    temporal validation inside the training period only."""
    results = {label: tune_inputs(train, names, trials, seed, categorical=OWN_CATEGORICAL)
               for label, names in OWN_INPUT_SETS.items()}
    best = max(results, key=lambda label: results[label][1])
    return best, results[best][0], {label: value for label, (_, value) in results.items()}
