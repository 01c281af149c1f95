"""The rankings riskwarn's row is compared with, each fitted on the same training visits and
scoring the same test visits (higher = visit sooner).

- *history rule*: the last visit found something, ties broken by past violations found;
- *last score*: the last inspection score, its direction read from the training visits
  (where the data set records scores);
- *logistic regression*: the numeric inputs, median-imputed with missing indicators and
  standardised (categories have no place in it);
- *plain LightGBM*: the library's defaults on every input, categories as categories.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from features.build import CATEGORICAL
from features.contracts import VISIT_KINDS
from features.prepare import COUNTED
from training.metrics import roc_auc

Ranker = Callable[[pd.DataFrame, pd.DataFrame, list[str]], np.ndarray]


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def history_rule(train: pd.DataFrame, test: pd.DataFrame, names: list[str]) -> np.ndarray:
    last = [f"insp_last_{level}" for level in COUNTED if f"insp_last_{level}" in test]
    past = [f"insp_{kind}_violations" for kind in VISIT_KINDS
            if f"insp_{kind}_violations" in test]
    found = sum((np.nan_to_num(_column(test, c)) > 0 for c in last), np.zeros(len(test)))
    failures = sum((np.nan_to_num(_column(test, c)) for c in past), np.zeros(len(test)))
    return (found > 0) * 1e6 + failures


def last_score(train: pd.DataFrame, test: pd.DataFrame, names: list[str]) -> np.ndarray:
    fill = float(np.nanmedian(_column(train, "insp_score_last")))
    seen = np.nan_to_num(_column(train, "insp_score_last"), nan=fill)
    sign = 1.0 if roc_auc(train["label"].to_numpy(dtype=float), seen) >= 0.5 else -1.0
    return sign * np.nan_to_num(_column(test, "insp_score_last"), nan=fill)


def _numeric(train: pd.DataFrame, names: list[str]) -> list[str]:
    return [n for n in names if n not in CATEGORICAL and train[n].notna().any()]


def logistic_regression(train: pd.DataFrame, test: pd.DataFrame, names: list[str]
                        ) -> np.ndarray:
    numeric = _numeric(train, names)
    model = make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                          StandardScaler(), LogisticRegression(max_iter=2000))
    x = train[numeric].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    model.fit(x, train["label"].astype(int))
    return model.predict_proba(
        test[numeric].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float))[:, 1]


def _lgbm_inputs(frame: pd.DataFrame, names: list[str], categories: dict[str, pd.Index]
                 ) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for n in names:
        if n in categories:
            out[n] = pd.Categorical(frame[n].astype(str), categories=categories[n])
        else:
            out[n] = pd.to_numeric(frame[n], errors="coerce").astype(float)
    return out


def plain_lightgbm(train: pd.DataFrame, test: pd.DataFrame, names: list[str]) -> np.ndarray:
    categories = {n: pd.Index(sorted(train[n].astype(str).unique()))
                  for n in names if n in CATEGORICAL}
    model = LGBMClassifier(random_state=0, verbose=-1)
    model.fit(_lgbm_inputs(train, names, categories), train["label"].astype(int))
    return np.asarray(model.predict_proba(_lgbm_inputs(test, names, categories)))[:, 1]


def references(test: pd.DataFrame) -> dict[str, Ranker]:
    """The reference rankings that apply to these visits, by row name."""
    out: dict[str, Ranker] = {"history rule": history_rule}
    if "insp_score_last" in test and test["insp_score_last"].notna().any():
        out["last score"] = last_score
    out["logistic regression"] = logistic_regression
    out["plain LightGBM"] = plain_lightgbm
    return out
