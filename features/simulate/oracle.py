"""How well the hidden truth ranks real outcomes: the ceiling any model can aim at.

Evaluation code only: this is the one place outside the generator that reads `_truth/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from features.firm_state import active_as_of
from features.industries import IndustryConfig, default_config, industry_of
from features.labels import adverse_events, label_window


def scored_firms(tables: dict[str, pd.DataFrame], truth_path: Path, as_of: pd.Timestamp,
                 config: IndustryConfig) -> pd.DataFrame:
    """`industry`, `uscc`, `risk` (truth of the latest month starting before `as_of`) and
    `label` (adverse outcome within the industry's horizon) for firms active on `as_of`."""
    as_of = pd.Timestamp(as_of)
    month = (as_of - pd.Timedelta(days=1)).to_period("M").to_timestamp()
    truth = pd.read_parquet(truth_path, filters=[("month", "==", month.date())])
    firms = active_as_of(tables["registrations"], tables["registration_changes"], as_of)
    firms["industry"] = industry_of(firms["industry_code"], config)
    data_end = max(t["known_at"].max() for t in tables.values() if "known_at" in t)
    parts = []
    for key, industry in config.industries.items():
        group = firms.loc[firms["industry"] == key, ["industry", "uscc"]].copy()
        group["label"] = label_window(group["uscc"], adverse_events(tables, industry), as_of,
                                      industry.horizon_days, data_end)
        group["risk"] = group["uscc"].map(truth.set_index("uscc")["risk"])
        parts.append(group.dropna(subset=["label", "risk"]))
    return pd.concat(parts, ignore_index=True).assign(as_of=as_of)


def oracle_auc(tables: dict[str, pd.DataFrame], truth_path: Path,
               as_of: Sequence[pd.Timestamp], config: IndustryConfig | None = None
               ) -> pd.DataFrame:
    """ROC-AUC of truth against outcomes per industry, pooled over the as-of dates."""
    config = config or default_config()
    scored = pd.concat([scored_firms(tables, truth_path, a, config) for a in as_of])
    rows = []
    for key, group in scored.groupby("industry", sort=False):
        y = group["label"].astype(int)
        auc = roc_auc_score(y, group["risk"]) if y.nunique() == 2 else float("nan")
        rows.append((key, len(group), int(y.sum()), auc))
    return pd.DataFrame(rows, columns=["industry", "firm_dates", "positives", "auc"])
