"""`riskwarn evaluate --oracle`, the triggers' part: each early-warning rule's precision against
the generator's hidden truth, beside a random firm of the same industry.

A rule's firings are its firms over a set of as-of dates (each firm once, as the queue keeps
one warning per firm and rule). A firing hits the truth in two senses:
- `planted`: the firm was planted with this rule's pattern (`features.simulate.plants`);
  random: the share of firms planted with it in the firing firm's industry;
- `risky`: the firm was planted with any pattern, or its hidden risk that month is in the top
  RISKY_SHARE of its industry's firms; random: that share of the firing firm's industry and
  month. The mean hidden risk of the firing firms stands beside the industry's mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from features.industries import industry_of
from features.loading import load_sources
from features.simulate.oracle import monthly_risk, planted_firms
from features.triggers import RULES, TriggerConfig, detect

RISKY_SHARE = 0.10  # "truly risky": the top tenth of an industry's hidden risk in a month
COLUMNS = ["rule", "firings", "planted", "planted_found", "precision_planted",
           "random_planted", "precision_risky", "random_risky", "mean_risk", "random_mean_risk"]


def default_dates(tables: dict[str, pd.DataFrame], planted: pd.DataFrame,
                  step_days: int = 28) -> list[pd.Timestamp]:
    """Every `step_days` over the later half of the sources' span (where the generator plants),
    and each night a planted pattern is complete on (a nightly run sees that night too)."""
    known = [t["known_at"] for t in tables.values() if "known_at" in t and len(t)]
    first = min(pd.Timestamp(k.min()) for k in known)
    last = max(pd.Timestamp(k.max()) for k in known) + pd.Timedelta(days=1)
    grid = pd.date_range(first + (last - first) / 2, last, freq=f"{step_days}D").normalize()
    return sorted(set(grid) | set(planted["complete_on"]))


def firings_over(tables: dict[str, pd.DataFrame], dates: Sequence[pd.Timestamp],
                 config: TriggerConfig | None = None) -> pd.DataFrame:
    """Each firm and rule fired on any of `dates`, with the first of those dates (as_of)."""
    found = [detect(tables, day, config)[["uscc", "rule"]].assign(as_of=day) for day in dates]
    every = pd.concat(found, ignore_index=True)
    return every.sort_values("as_of").drop_duplicates(["uscc", "rule"]).reset_index(drop=True)


def _hidden_risk_by_month(sources: Path, firms: pd.DataFrame, planted: pd.DataFrame,
                     months: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Per firm and month: industry, risk and `risky` (planted, or in its industry's top)."""
    truth = monthly_risk(sources, months).merge(firms, on="uscc", how="left")
    cut = truth.groupby(["industry", "month"])["risk"].transform(
        lambda r: r.quantile(1 - RISKY_SHARE))
    return truth.assign(risky=(truth["risk"] >= cut) | truth["uscc"].isin(planted["uscc"]))


def trigger_precision(sources: Path, dates: Sequence[pd.Timestamp] | None = None,
                      config: TriggerConfig | None = None) -> pd.DataFrame:
    """One row per rule (COLUMNS): its firings over `dates` (default: `default_dates`) against
    the hidden truth, and a random firm's chance."""
    sources = Path(sources)
    planted = planted_firms(sources)
    tables = load_sources(sources).tables
    dates = list(dates) if dates is not None else default_dates(tables, planted)
    fired = firings_over(tables, dates, config)
    reg = tables["registrations"][["uscc", "industry_code"]].drop_duplicates("uscc")
    firms = pd.DataFrame({"uscc": reg["uscc"], "industry": industry_of(reg["industry_code"])})
    month = (fired["as_of"] - pd.Timedelta(days=1)).dt.to_period("M").dt.to_timestamp()
    truth = _hidden_risk_by_month(sources, firms, planted, sorted(set(month)))
    fired = fired.assign(month=month).merge(firms, on="uscc", how="left").merge(
        truth[["uscc", "month", "risk", "risky"]], on=["uscc", "month"], how="left")
    by_industry = truth.groupby(["industry", "month"]).agg(
        random_risky=("risky", "mean"), random_mean_risk=("risk", "mean")).reset_index()
    fired = fired.merge(by_industry, on=["industry", "month"], how="left")
    industry_size = firms["industry"].value_counts()
    rows = []
    for rule in RULES:
        mine = fired.loc[fired["rule"] == rule]
        ours = planted.loc[planted["pattern"] == rule, "uscc"]
        hit = mine["uscc"].isin(ours)
        planted_share = (firms.loc[firms["uscc"].isin(ours), "industry"].value_counts()
                         / industry_size).fillna(0.0)
        risky = mine["risky"].fillna(False).astype(bool) | mine["uscc"].isin(planted["uscc"])
        rows.append({
            "rule": rule, "firings": len(mine), "planted": int(hit.sum()),
            "planted_found": f"{int(ours.isin(mine['uscc']).sum())}/{len(ours)}",
            "precision_planted": hit.mean() if len(mine) else float("nan"),
            "random_planted": mine["industry"].map(planted_share).fillna(0.0).mean()
            if len(mine) else float("nan"),
            "precision_risky": risky.mean() if len(mine) else float("nan"),
            "random_risky": mine["random_risky"].mean(),
            "mean_risk": mine["risk"].mean(), "random_mean_risk": mine["random_mean_risk"].mean()})
    return pd.DataFrame(rows, columns=COLUMNS)
