"""`riskwarn tune`: hyper-parameters by rolling-origin validation inside the training period.

Each fold trains on the dates before an origin and scores the as-of date a horizon later (so
its outcomes were known before the calibration period); the objective is precision at
capacity, averaged over folds, with AUC as tie-break. The test period is never touched. The
chosen values go to `mlruns/tuned/<industry>.json`, which `train` and `retrain` reuse.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from features import settings
from features.industries import default_config
from training.data import (
    feature_names,
    fitted_before,
    label_gap,
    load_split,
    periods,
)
from training.metrics import precision_at_k, roc_auc
from training.model import DEFAULT_PARAMS, fit_pipeline, inputs

FOLDS = 3
TUNED = ("n_estimators", "learning_rate", "num_leaves", "min_child_samples_per_date",
         "colsample_bytree", "extra_trees")


def folds(train: pd.DataFrame, horizon_days: int, count: int = FOLDS
          ) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(fit rows, validation rows): validation periods (`training.data.periods`) at the end of
    the training period, each fitted on periods whose labels were known before it."""
    unit = periods(train)
    dates = sorted(unit.unique())
    gap = label_gap(train, horizon_days)
    out = []
    for valid_date in dates[-count:]:
        fit_dates = fitted_before(dates, valid_date, gap)
        if fit_dates:
            out.append((train.loc[unit.isin(fit_dates)], train.loc[unit == valid_date]))
    return out


def _score(params: dict[str, Any], parts: list[tuple[pd.DataFrame, pd.DataFrame]],
           names: list[str], k: int) -> float:
    values = []
    for fit_rows, valid in parts:
        pipeline = fit_pipeline(fit_rows, names, params)
        scores = pipeline.predict_proba(inputs(valid, names))[:, 1]
        y = valid["label"].to_numpy(dtype=float)
        values.append(precision_at_k(y, scores, k) + 0.01 * roc_auc(y, scores))
    return float(np.nanmean(values)) if values else float("nan")


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 400, step=50),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.1, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 3, 31),
        "min_child_samples_per_date": trial.suggest_int("min_child_samples_per_date", 5, 80),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "extra_trees": trial.suggest_categorical("extra_trees", [True, False]),
    }


def search(train: pd.DataFrame, names: list[str], k: int, horizon_days: int, trials: int,
           seed: int = 0, what: str = "the data") -> tuple[dict[str, Any], float]:
    """(parameters, objective): Optuna over rolling origins inside `train` only."""
    parts = folds(train, horizon_days)
    if not parts:
        raise ValueError(f"{what}: the training period is too short for rolling origins")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({k: DEFAULT_PARAMS[k] for k in TUNED})  # the defaults go first
    study.optimize(lambda t: _score({**DEFAULT_PARAMS, **suggest(t)}, parts, names, k),
                   n_trials=trials)
    return {**DEFAULT_PARAMS, **study.best_params}, float(study.best_value)


def tune_industry(features: Path, industry: str, trials: int = 20, seed: int = 0
                  ) -> dict[str, Any]:
    spec = default_config().industries[industry]  # type: ignore[index]
    train = load_split(features, industry, spec).train  # the rows `train` fits on, no later
    names = feature_names(train)
    chosen, best = search(train, names, spec.monthly_capacity, spec.horizon_days, trials,
                          seed, industry)
    parts = len(folds(train, spec.horizon_days))
    record = {"industry": industry, "params": chosen, "objective": best,
              "trials": trials, "folds": parts,
              "tuned_at": datetime.now(UTC).isoformat(timespec="seconds")}
    settings.TUNED_DIR.mkdir(parents=True, exist_ok=True)
    side = settings.TUNED_DIR / f".{industry}.json.partial"
    side.write_text(json.dumps(record, indent=2), "utf-8")
    side.replace(settings.TUNED_DIR / f"{industry}.json")
    return record
