"""The risk model: category encoding -> LightGBM, then a probability curve (centred isotonic,
`training.calibration`) fitted on a later period. One scikit-learn object, logged with
`mlflow.sklearn` as the single truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from features.build import CATEGORICAL
from training.calibration import CentredIsotonic, fit_centred_isotonic
from training.data import NotEnoughHistory, is_cohort
from training.metrics import points_rule, window_inclusion

# Monthly snapshots repeat each firm many times, so leaves must span many firms
# (min_child_samples_per_date x as-of dates) and randomised splits (extra_trees) keep the trees
# from memorising firms; measured on the generated market, this held-out AUC beat deeper trees.
DEFAULT_PARAMS: dict[str, Any] = {
    "n_estimators": 150, "learning_rate": 0.03, "num_leaves": 7,
    "min_child_samples_per_date": 20, "extra_trees": True, "colsample_bytree": 0.5,
    "path_smooth": 50.0, "reg_lambda": 1.0,
}
NEVER_DAYS = 9999.0  # "days since" for a firm that never had the event: long, long ago

# more penalties or complaints never lower a score; a more recent one never lowers it either
INCREASING = ("pen_90d", "pen_365d", "pen_1095d", "pen_max_severity", "pen_fine_total",
              "comp_30d", "comp_90d", "comp_365d", "comp_trend", "comp_rate_vs_peer",
              "abn_listed_now", "abn_times_listed", "serious_listed")
DECREASING = ("pen_days_since_last",)


def column_order(features: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(categorical, days-since, other numeric) inputs, in the order the model sees them."""
    categorical = [c for c in features if c in CATEGORICAL]
    since = [c for c in features if c.endswith("_days_since_last")]
    numeric = [c for c in features if c not in categorical and c not in since]
    return categorical, since, numeric


def monotone_constraints(features: list[str]) -> list[int]:
    cat, since, num = column_order(features)
    order = cat + since + num
    return [1 if c in INCREASING or (c.startswith("comp_") and c.endswith("_365d"))
            else -1 if c in DECREASING else 0 for c in order]


def lightgbm_params(params: dict[str, Any], dates: int) -> dict[str, Any]:
    """LightGBM's own parameters from ours (defaults filled in)."""
    merged = {**DEFAULT_PARAMS, **params}
    per_date = merged.pop("min_child_samples_per_date")
    merged.setdefault("min_child_samples", int(per_date * max(dates, 1)))
    return merged


def make_pipeline(features: list[str], params: dict[str, Any], seed: int = 0) -> Pipeline:
    cat, since, num = column_order(features)
    encode = ColumnTransformer(
        [
            ("categories", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                          encoded_missing_value=-1), cat),
            ("since", SimpleImputer(strategy="constant", fill_value=NEVER_DAYS,
                                    keep_empty_features=True), since),
            ("numbers", "passthrough", num),
        ],
        verbose_feature_names_out=False,
    )
    booster = LGBMClassifier(
        **params, objective="binary", random_state=seed, n_jobs=2,
        verbose=-1, monotone_constraints=monotone_constraints(features),
        monotone_constraints_method="intermediate",
    )
    return Pipeline([("encode", encode), ("model", booster)])


def fit_pipeline(train: pd.DataFrame, features: list[str], params: dict[str, Any],
                 seed: int = 0) -> Pipeline:
    """Encoder + LightGBM fitted on the training rows (uncalibrated)."""
    # a firm recurs once per as-of date in snapshots; a cohort's visits are each their own row
    dates = 1 if "as_of" not in train or is_cohort(train) else train["as_of"].nunique()
    pipeline = make_pipeline(features, lightgbm_params(params, dates), seed)
    n_cat = len(column_order(features)[0])
    encoded = encode_rows(pipeline.named_steps["encode"], train, features)
    pipeline.named_steps["model"].fit(encoded, train["label"].astype(int).to_numpy(),
                                      categorical_feature=list(range(n_cat)))
    return pipeline


ENCODE_ROWS = 250_000  # rows encoded at a time


def encode_rows(encoder: ColumnTransformer, train: pd.DataFrame, features: list[str],
                chunk: int = ENCODE_ROWS) -> np.ndarray:
    """`encoder.fit_transform(inputs(train, features))` as float32, without a model-input copy
    of all the rows (at city scale food's is 2.6 GB, and the encoder's parts and their stacking
    two more): fitted on each input's distinct values (the categories' codes come from those
    alone, the imputer fills a constant), then the rows encoded a chunk at a time into one
    array. float32 halves float64's 2.6 GB at city scale and LightGBM reads it without a copy;
    codes, counts and days are exact in it, and its rounding of other values (7 digits) is
    far finer than the model's at most 255 bins an input."""
    cat = column_order(features)[0]
    values = {name: inputs(train[[name]], [name])[name].unique() for name in cat}
    size = max([1, *map(len, values.values())])
    distinct = inputs(train.iloc[np.zeros(size, dtype=np.int64)], features).reset_index(drop=True)
    for name, seen in values.items():
        distinct[name] = np.resize(seen, size)  # every value at least once
    encoder.fit(distinct)
    out = np.empty((len(train), len(encoder.get_feature_names_out())), dtype=np.float32)
    for start in range(0, len(train), chunk):
        part = train.iloc[start:start + chunk]
        out[start:start + len(part)] = encoder.transform(inputs(part, features))
    return out


LOGIT_CAP = 13.8155  # |logit(1e-6)|: LightGBM's log-odds are clipped here in the blend


class RuleBlend(ClassifierMixin, BaseEstimator):
    """The bureau's points rule re-ranked by LightGBM: score = points + weight x log-odds.

    Labels exist where inspectors went, and inspectors go where the points rule points (the
    double-random draw is weighted by tier), so the rule carries information no feature-wise
    tree recovers at the very top of the list; LightGBM corrects it. Chosen by rolling-origin
    validation inside the training period (weight 1 of 0.5/1/2/4), never on the test period.
    """

    def __init__(self, pipeline: Pipeline | None = None, weight: float = 1.0):
        self.pipeline = pipeline
        self.weight = weight

    def fit(self, X: Any = None, y: Any = None) -> RuleBlend:
        """The pipeline comes fitted; the blend itself learns nothing."""
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        assert self.pipeline is not None
        raw = np.clip(self.pipeline.decision_function(X), -LOGIT_CAP, LOGIT_CAP)
        return points_rule(X) + self.weight * raw

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)


class Calibrated(ClassifierMixin, BaseEstimator):
    """A fitted ranker (the LightGBM pipeline or the rule blend) and the curve, fitted on a
    later period, that turns its score into the probability officers see."""

    def __init__(self, ranker: Pipeline | RuleBlend | None = None,
                 curve: CentredIsotonic | None = None):
        self.ranker = ranker
        self.curve = curve

    def fit(self, X: Any = None, y: Any = None) -> Calibrated:
        """Both parts come fitted."""
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        assert self.ranker is not None and self.curve is not None
        p = self.curve(self.ranker.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


@dataclass(frozen=True)
class Target:
    """What the probability curve is fitted on: `label`, or `label_random` (random
    inspections' outcomes, each weighted by the inverse of its inclusion probability over
    the `horizon_days` window, so the curve gives the rate among all firms of that score)."""

    column: str = "label"
    horizon_days: int | None = None

    def rows(self, frame: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray]:
        """(the rows with an outcome, their outcomes, their weights)."""
        seen = frame[self.column].notna()
        y = frame.loc[seen, self.column].to_numpy(dtype=float)
        if self.column != "label_random":
            return seen, y, np.ones(len(y))
        inclusion = window_inclusion(
            frame.loc[seen, "random_inclusion_prob"].to_numpy(dtype=float), self.horizon_days)
        weight = np.where(np.isfinite(inclusion) & (inclusion > 0), 1.0 / inclusion, 1.0)
        return seen, y, weight


LABEL = Target()  # the curve on the label itself

# (train, calibration, features, params, target) -> the calibrated model: `fit`, or
# `training.dask_fit`'s with the booster fitted on a Dask cluster
Fitter = Callable[[pd.DataFrame, pd.DataFrame, list[str], dict[str, Any], Target],
                  Calibrated]


def fit(train: pd.DataFrame, calibration: pd.DataFrame, features: list[str],
        params: dict[str, Any], target: Target = LABEL, seed: int = 0) -> Calibrated:
    """LightGBM on the training period (firm snapshots: blended with the points rule),
    calibrated on the later calibration period."""
    return blend_and_calibrate(fit_pipeline(train, features, params, seed), calibration,
                               features, target)


def blend_and_calibrate(pipeline: Pipeline, calibration: pd.DataFrame, features: list[str],
                        target: Target = LABEL) -> Calibrated:
    """A fitted pipeline re-ranking the points rule, calibrated on the calibration period's
    `target` outcomes.

    An inspection cohort is not blended: the rule says where the bureau sends inspectors,
    which selects a snapshot's labels but not a visit's own outcome, and on the Chicago
    cohort's training period (six two-month windows, 2013-07 to 2014-06) the booster alone
    validated at ROC-AUC 0.711 against 0.701 blended."""
    ranker = pipeline if is_cohort(calibration) else RuleBlend(pipeline).fit()
    seen, y, weight = target.rows(calibration)
    if not 0 < y.sum() < len(y):
        raise NotEnoughHistory(f"the calibration period has no {target.column} outcomes of "
                               "both kinds to calibrate on")
    score = ranker.decision_function(inputs(calibration.loc[seen], features))
    return Calibrated(ranker, fit_centred_isotonic(score, y, weight)).fit()


def inputs(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The model's input frame: categories as text, numbers as float (MLflow's schema)."""
    out = frame[features].copy()
    for name in features:
        out[name] = out[name].astype(str) if name in CATEGORICAL else out[name].astype(float)
    return out


def blend_of(model: Calibrated) -> RuleBlend | None:
    """The rule blend inside a calibrated model (None for a model without one)."""
    return model.ranker if isinstance(model.ranker, RuleBlend) else None


def pipeline_of(model: Calibrated) -> Pipeline:
    """The fitted encoder + LightGBM inside a calibrated model."""
    blend = blend_of(model)
    pipeline = blend.pipeline if blend is not None else model.ranker
    assert isinstance(pipeline, Pipeline)
    return pipeline


def probabilities(model: Calibrated, frame: pd.DataFrame, features: list[str]
                  ) -> np.ndarray:
    return model.predict_proba(inputs(frame, features))[:, 1]
