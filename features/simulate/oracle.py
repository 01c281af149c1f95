"""How well the hidden truth ranks real outcomes: the ceiling any model can aim at.

Evaluation code only: this is the one place outside the generator that reads `_truth/`.
Labels and the active population come from the feature pipeline's own definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from features.build import active_state
from features.labels import label_columns
from features.prepare import Prepared
from features.windows import day_of


def scored_firms(prep: Prepared, truth_path: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """`industry`, `uscc`, `risk` (truth of the latest month starting before `as_of`) and
    `label` (adverse outcome within the industry's horizon) for firms active on `as_of`."""
    as_of = pd.Timestamp(as_of)
    month = (as_of - pd.Timedelta(days=1)).to_period("M").to_timestamp()
    truth = pd.read_parquet(truth_path, filters=[("month", "==", month.date())])
    state = active_state(prep, as_of)
    parts = []
    for key in prep.config.industries:
        firms = state.loc[state["industry"] == key]
        label = label_columns(prep, day_of(as_of), key)["label"][firms.index.to_numpy()]
        group = pd.DataFrame({"industry": key, "uscc": firms["uscc"].to_numpy(),
                              "label": label})
        group["risk"] = group["uscc"].map(truth.set_index("uscc")["risk"])
        parts.append(group.dropna(subset=["label", "risk"]))
    return pd.concat(parts, ignore_index=True).assign(as_of=as_of)


def oracle_auc(prep: Prepared, truth_path: Path, as_of: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """ROC-AUC of truth against outcomes per industry, pooled over the as-of dates."""
    scored = pd.concat([scored_firms(prep, truth_path, a) for a in as_of])
    rows = []
    for key, group in scored.groupby("industry", sort=False):
        y = group["label"].astype(int)
        auc = roc_auc_score(y, group["risk"]) if y.nunique() == 2 else float("nan")
        rows.append((key, len(group), int(y.sum()), auc))
    return pd.DataFrame(rows, columns=["industry", "firm_dates", "positives", "auc"])
