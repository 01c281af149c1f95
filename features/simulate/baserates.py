"""Base rates of a generated market beside the published ranges in DOMAIN.md."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contracts import VIOLATION_OUTCOMES
from features.industries import industry_of

# metric: (low, high, where the range comes from)
TARGETS: dict[str, tuple[float, float, str]] = {
    "individual_share": (0.55, 0.75, "most entities are 个体工商户"),
    "quasi_financial_share": (0.02, 0.06, "quasi-financial firms are a few per cent"),
    "penalties_per_100_entities_year": (0.5, 1.2, "SAMR 2023: ≈0.8 per 100 entities a year"),
    "food_share_of_penalties": (0.30, 0.50, "food ≈39 % of cases"),
    "annual_report_not_filed": (0.12, 0.15, "12–15 % of enterprises a year"),
    "random_inspection_hit_rate": (0.15, 0.25, "random inspections finding an issue 15–25 %"),
    "complaints_per_100_entities_year": (4.0, 12.0, "Sichuan+Chongqing 12315: ≈7 per 100"),
    "online_complaint_share": (0.50, 0.65, "57 % arrived online"),
    "food_share_of_complaints": (0.25, 0.55, "food/catering is the largest category"),
    "quasi_financial_adverse_rate_year": (0.02, 0.10, "a few per cent of QF firms a year"),
    "quasi_financial_positives_share_year": (0.0003, 0.01, "well under 1 % of all a year"),
}


def _entity_years(reg: pd.DataFrame, changes: pd.DataFrame, start: pd.Timestamp,
                  end: pd.Timestamp) -> pd.Series:
    exits = changes.loc[changes["change_type"] == "status"].groupby("uscc")["changed_on"].min()
    gone_before = ~reg["status"].isin(["存续", "在营"]) & ~reg["uscc"].isin(exits.index)
    until = reg["uscc"].map(exits).fillna(end).where(lambda d: d < end, end)
    until = until.where(~gone_before, start)
    since = reg["established_on"].where(lambda d: d > start, start)
    return ((until - since).dt.days.clip(lower=0) / 365.25).set_axis(reg["uscc"])


def base_rates(t: dict[str, pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp
               ) -> pd.DataFrame:
    """One row per metric: value, low, high, source, ok."""
    reg, changes = t["registrations"], t["registration_changes"]
    key = industry_of(reg["industry_code"]).set_axis(reg["uscc"])
    years = _entity_years(reg, changes, start, end)
    total_years = years.sum()
    pen, comp, insp, lst = t["penalties"], t["complaints"], t["inspections"], t["abnormal_list"]
    random = insp[insp["kind"] == "random"]
    enterprise = reg["entity_type"] != "个体工商户"
    annual = lst[(lst["reason"] == "annual_report") & (lst["listed_on"] >= start)]
    enterprise_years = years[enterprise.to_numpy()].sum()
    annual_rate = annual["uscc"].isin(reg.loc[enterprise, "uscc"]).sum() / enterprise_years
    qf_codes = key.index[key == "quasi_financial"]
    adverse = pd.concat([
        insp.loc[insp["outcome"].isin(VIOLATION_OUTCOMES), ["uscc", "known_at"]],
        pen[["uscc", "known_at"]],
        lst.loc[lst["list_type"] == "serious_violation", ["uscc", "known_at"]],
    ])
    adverse = adverse[adverse["uscc"].isin(qf_codes)]
    firm_years = adverse.assign(year=adverse["known_at"].dt.year).drop_duplicates(["uscc", "year"])
    complaint_key = comp["uscc"].map(key)
    values = {
        "individual_share": (reg["entity_type"] == "个体工商户").mean(),
        "quasi_financial_share": (key == "quasi_financial").mean(),
        "penalties_per_100_entities_year": 100 * len(pen) / total_years,
        "food_share_of_penalties": (pen["uscc"].map(key) == "food").mean(),
        "annual_report_not_filed": annual_rate,
        "random_inspection_hit_rate": random["outcome"].isin(VIOLATION_OUTCOMES).mean(),
        "complaints_per_100_entities_year": 100 * len(comp) / total_years,
        "online_complaint_share": (comp["channel"] != "电话").mean(),
        "food_share_of_complaints": (complaint_key == "food").sum() / complaint_key.notna().sum(),
        "quasi_financial_adverse_rate_year": len(firm_years) / years[qf_codes].sum(),
        "quasi_financial_positives_share_year": len(firm_years) / total_years,
    }
    rows = [(m, float(pd.to_numeric(values[m])) if pd.notna(values[m]) else np.nan, lo, hi, src)
            for m, (lo, hi, src) in TARGETS.items()]
    out = pd.DataFrame(rows, columns=["metric", "value", "low", "high", "source"])
    out["ok"] = out["value"].between(out["low"], out["high"]) & np.isfinite(out["value"])
    return out
