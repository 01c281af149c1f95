"""The benchmark table on the published split: one row per ranking, in one shape.

`evaluation_row` turns any ranking of the test inspections into a row; the published figures,
the re-implemented logistic regression and every ranking of `riskwarn backtest` use it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from training.chicago.data import DATE, LABEL
from training.chicago.logit import fit_logit, logit_scores
from training.inspection_order import summarize
from training.metrics import roc_auc

Row = dict[str, Any]
COLUMNS = ("name", "auc", "days_earlier_mean", "days_earlier_ci_low", "days_earlier_ci_high",
           "days_earlier_median", "share_found_later", "first_half_share",
           "precision_at_daily_capacity")

# City of Chicago (2014), as stated in the data set's README; None where not published
PUBLISHED: Row = {
    "name": "published (City of Chicago 2014)", "auc": None, "days_earlier_mean": 7.44,
    "days_earlier_ci_low": None, "days_earlier_ci_high": None, "days_earlier_median": 6.0,
    "share_found_later": 0.38, "first_half_share": 0.6899,
    "precision_at_daily_capacity": None,
}
PUBLISHED_DAYS_EARLIER_MAX = 58.0
PUBLISHED_FIRST_HALF_USUAL = 0.5465  # 141 of 258 critical violations; the model: 178
LOGIT_NAME = "logit (re-implemented, 11 inputs)"


def _known(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def evaluation_row(name: str, dates: npt.ArrayLike, labels: npt.ArrayLike,
                   scores: npt.ArrayLike, draws: int = 1000, seed: int = 0) -> Row:
    """One table row for a ranking of the test inspections (higher score = visit sooner);
    undefined values are None."""
    y = np.asarray(labels, dtype=float)
    score = np.asarray(scores, dtype=float)
    summary = summarize(dates, score, y, draws=draws, seed=seed)
    values = {
        "auc": roc_auc(y, score),
        "days_earlier_mean": summary.days_earlier_mean,
        "days_earlier_ci_low": summary.days_earlier_ci_low,
        "days_earlier_ci_high": summary.days_earlier_ci_high,
        "days_earlier_median": summary.days_earlier_median,
        "share_found_later": summary.share_found_later,
        "first_half_share": summary.first_half_share,
        "precision_at_daily_capacity": summary.precision_at_daily_capacity,
    }
    return {"name": name, **{key: _known(value) for key, value in values.items()}}


def logit_scores_for(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """The published logistic regression, refitted on the training rows."""
    return logit_scores(fit_logit(train, LABEL), test)


def logit_row(train: pd.DataFrame, test: pd.DataFrame) -> Row:
    return evaluation_row(LOGIT_NAME, test[DATE], test[LABEL], logit_scores_for(train, test))
