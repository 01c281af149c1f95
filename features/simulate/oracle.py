"""How well the hidden truth ranks real outcomes: the ceiling any model can aim at; and the
hidden truth itself (each firm's monthly risk, the firms planted with a trigger's pattern).

Evaluation code only: this is the one place outside the generator that reads `_truth/`.
Labels and the active population come from the feature pipeline's own definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.build import active_state
from features.labels import label_columns
from features.prepare import Prepared
from features.simulate import PLANTED_FILE, TRUTH_FILE
from features.windows import day_of


def truth_for(rows: pd.DataFrame, truth_path: Path) -> np.ndarray:
    """The true risk of the latest month starting before each row's `as_of`, for its `uscc`
    (NaN where the truth has none)."""
    month = (pd.to_datetime(rows["as_of"]) - pd.Timedelta(days=1)).dt.to_period(
        "M").dt.to_timestamp()
    truth = pd.read_parquet(truth_path, filters=[("month", "in", sorted(
        {m.date() for m in month}))])
    truth["month"] = pd.to_datetime(truth["month"])
    keyed = pd.DataFrame({"uscc": rows["uscc"].to_numpy(), "month": month.to_numpy()})
    return keyed.merge(truth, on=["uscc", "month"], how="left")["risk"].to_numpy(dtype=float)


def scored_firms(prep: Prepared, truth_path: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """`industry`, `uscc`, `risk` (truth of the latest month starting before `as_of`) and
    `label` (adverse outcome within the industry's horizon) for firms active on `as_of`."""
    as_of = pd.Timestamp(as_of)
    state = active_state(prep, as_of)
    parts = []
    for key in prep.config.industries:
        firms = state.loc[state["industry"] == key]
        label = label_columns(prep, day_of(as_of), key)["label"][firms.index.to_numpy()]
        group = pd.DataFrame({"industry": key, "uscc": firms["uscc"].to_numpy(),
                              "label": label, "as_of": as_of})
        group["risk"] = truth_for(group, truth_path)
        parts.append(group.dropna(subset=["label", "risk"]))
    return pd.concat(parts, ignore_index=True)


def oracle_auc(prep: Prepared, truth_path: Path, as_of: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """ROC-AUC of truth against outcomes per industry, pooled over the as-of dates."""
    scored = pd.concat([scored_firms(prep, truth_path, a) for a in as_of])
    rows = []
    for key, group in scored.groupby("industry", sort=False):
        y = group["label"].astype(int)
        auc = roc_auc_score(y, group["risk"]) if y.nunique() == 2 else float("nan")
        rows.append((key, len(group), int(y.sum()), auc))
    return pd.DataFrame(rows, columns=["industry", "firm_dates", "positives", "auc"])


def planted_firms(sources: Path) -> pd.DataFrame:
    """The firms the generator planted a trigger's pattern in: uscc, pattern, complete_on."""
    path = Path(sources) / PLANTED_FILE
    if not path.exists():
        raise FileNotFoundError(f"{sources}: no planted patterns (only generated data has them)")
    found = pd.read_parquet(path)
    return found.assign(complete_on=pd.to_datetime(found["complete_on"]))


def monthly_risk(sources: Path, months: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Every firm's hidden risk in `months` (their first days): uscc, month, risk."""
    truth = pd.read_parquet(Path(sources) / TRUTH_FILE,
                            filters=[("month", "in", sorted({m.date() for m in months}))])
    return truth.assign(month=pd.to_datetime(truth["month"]))
