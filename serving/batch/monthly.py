"""The monthly market-risk report's tables (月度市场风险报告): pure functions from frames to
frames, one table per section, each per industry and town (乡镇).

`report_tables` takes what the month left behind (the last scoring run of the month and of the
month before, the trigger warnings, the planned visits with their outcomes, the penalties and
complaints of the sources, the drift summary) and returns the tables the PDF and the Excel
workbook show; `for_towns` keeps a user's towns. Reading and writing live in
`serving.batch.monthly_io`; drawing in `serving.batch.monthly_pdf`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from features.contracts import VIOLATION_OUTCOMES
from features.industries import industry_of
from features.towns import TOWN_NAMES

TIERS = ("A", "B", "C", "D")  # D is the riskiest tier
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
KEYS = ["industry", "town_code"]


@dataclass(frozen=True)
class Month:
    """A calendar month: its first day and the first day of the next."""

    first: date
    after: date

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def previous(self) -> Month:
        return month_of(self.first - pd.Timedelta(days=1))


def parse_month(text: str) -> Month:
    """`YYYY-MM` as a Month; ValueError (one line) otherwise."""
    found = MONTH.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r}: give the month as YYYY-MM, e.g. 2026-01")
    return month_of(date(int(found[1]), int(found[2]), 1))


def month_of(day: date) -> Month:
    first = date(day.year, day.month, 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Month(first, after)


@dataclass
class MonthInputs:
    """What the month left behind; every frame may be empty."""

    current: pd.DataFrame  # warnings of the month's last run: uscc, industry, town_code, tier
    previous: pd.DataFrame  # the same for the previous month's last run
    # trigger_warnings (industry, town_code, rule, fired_on, status) and the area rules'
    # firings, status "area": nothing for an officer to decide
    triggers: pd.DataFrame
    visits: pd.DataFrame  # plan_visits + outcomes: industry, town_code, kind, visit_on, result
    penalties: pd.DataFrame  # penalties: uscc, violation_type, fine, decided_on
    complaints: pd.DataFrame  # complaints: uscc, town_code, category, received_at
    registrations: pd.DataFrame  # uscc, industry_code, town_code
    drift: dict[str, Any]  # the drift step's detail of the month's last run, or {}


def _in_month(frame: pd.DataFrame, column: str, month: Month) -> pd.DataFrame:
    when = pd.to_datetime(frame[column])
    return frame.loc[(when >= pd.Timestamp(month.first)) & (when < pd.Timestamp(month.after))]


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """Towns by name beside their code, sorted by industry and town."""
    out = frame.sort_values([c for c in KEYS if c in frame]).reset_index(drop=True)
    if "town_code" in out:
        out.insert(list(out.columns).index("town_code") + 1, "town",
                   out["town_code"].map(TOWN_NAMES).fillna(""))
    return out


def tier_table(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Firms per tier at the month's last run and the previous month's, and how many moved to a
    riskier (`up`) or safer (`down`) tier, or are new."""
    cols = ["uscc", *KEYS, "tier"]
    now = current.reindex(columns=cols)
    before = previous.reindex(columns=["uscc", "tier"]).rename(columns={"tier": "tier_before"})
    joined = now.merge(before, on="uscc", how="left")
    rank = {t: i for i, t in enumerate(TIERS)}
    step = joined["tier"].map(rank) - joined["tier_before"].map(rank)
    joined = joined.assign(up=step > 0, down=step < 0, new=joined["tier_before"].isna())
    counts = (joined.groupby([*KEYS, "tier"]).size().unstack("tier")
              .reindex(columns=list(TIERS)))
    moves = joined.groupby(KEYS)[["up", "down", "new"]].sum()
    before_counts = previous.reindex(columns=KEYS).groupby(KEYS).size().rename("firms_before")
    out = counts.join(moves, how="outer").join(before_counts, how="outer").fillna(0)
    out.insert(0, "firms", out[list(TIERS)].sum(axis=1))
    return _named(out.astype("int64").reset_index())


def trigger_table(triggers: pd.DataFrame, month: Month) -> pd.DataFrame:
    """Triggers fired in the month per rule, and how many are decided or still open (an area
    rule's firing, once per area and month, is neither)."""
    fired = _in_month(triggers.reindex(columns=[*KEYS, "rule", "fired_on", "status"]),
                      "fired_on", month)
    fired = fired.assign(industry=fired["industry"].fillna("other"), fired=1,
                         decided=(fired["status"] == "closed").astype(int),
                         open=(fired["status"] == "open").astype(int))
    out = fired.groupby([*KEYS, "rule"])[["fired", "decided", "open"]].sum().reset_index()
    return _named(out)


def inspection_table(visits: pd.DataFrame, month: Month) -> pd.DataFrame:
    """Visits planned in the month per kind (random, targeted), those done (an outcome
    recorded), the violations found and the hit rate (violations per visit done)."""
    mine = _in_month(visits.reindex(columns=[*KEYS, "kind", "visit_on", "result"]),
                     "visit_on", month)
    mine = mine.assign(planned=1, done=mine["result"].notna().astype(int),
                       hits=mine["result"].isin(VIOLATION_OUTCOMES).astype(int))
    out = mine.groupby([*KEYS, "kind"])[["planned", "done", "hits"]].sum().reset_index()
    out["hit_rate"] = (out["hits"] / out["done"].where(out["done"] > 0)).astype(float)
    return _named(out)


def _firm_keys(frame: pd.DataFrame, registrations: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each row's industry and town from its firm's registration."""
    reg = registrations.reindex(columns=["uscc", "industry_code", "town_code"])
    reg = reg.assign(industry=industry_of(reg["industry_code"].astype(str))).drop(
        columns="industry_code")
    joined = frame.merge(reg, on="uscc", how="left", suffixes=("_own", ""))
    if "town_code_own" in joined:  # a complaint names its town even without a firm
        joined["town_code"] = joined["town_code_own"].fillna(joined["town_code"])
    joined["industry"] = joined["industry"].fillna("other")
    joined["town_code"] = joined["town_code"].fillna("")
    return joined


def penalty_table(penalties: pd.DataFrame, registrations: pd.DataFrame,
                  month: Month) -> pd.DataFrame:
    """Penalties decided in the month per violation type: how many and the fines (万元)."""
    mine = _in_month(penalties.reindex(columns=["uscc", "violation_type", "fine", "decided_on"]),
                     "decided_on", month)
    mine = _firm_keys(mine, registrations)
    out = (mine.groupby([*KEYS, "violation_type"])
           .agg(penalties=("uscc", "size"), fines=("fine", "sum")).reset_index())
    return _named(out)


def complaint_table(complaints: pd.DataFrame, registrations: pd.DataFrame,
                    month: Month) -> pd.DataFrame:
    """Complaints received in the month per category."""
    mine = _in_month(complaints.reindex(columns=["uscc", "town_code", "category",
                                                 "received_at"]), "received_at", month)
    mine = _firm_keys(mine, registrations)
    out = mine.groupby([*KEYS, "category"]).size().rename("complaints").reset_index()
    return _named(out)


def drift_table(drift: dict[str, Any]) -> pd.DataFrame:
    """Per industry: the score PSI against the run before, retraining advised, the top inputs."""
    rows = [{"industry": k, "score_psi": d.get("score_psi"),
             "retrain_advised": k in drift.get("retrain_advised", []),
             "top_inputs": ", ".join(str(i) for i in list(d.get("top_inputs") or [])[:3])}
            for k, d in (drift.get("industries") or {}).items()]
    return pd.DataFrame(rows, columns=["industry", "score_psi", "retrain_advised",
                                       "top_inputs"])


def report_tables(inputs: MonthInputs, month: Month) -> dict[str, pd.DataFrame]:
    """The report's tables by section name (the Excel sheets, the PDF's sections)."""
    return {
        "tiers": tier_table(inputs.current, inputs.previous),
        "triggers": trigger_table(inputs.triggers, month),
        "inspections": inspection_table(inputs.visits, month),
        "penalties": penalty_table(inputs.penalties, inputs.registrations, month),
        "complaints": complaint_table(inputs.complaints, inputs.registrations, month),
        "drift": drift_table(inputs.drift),
    }


def for_towns(tables: dict[str, pd.DataFrame], towns: list[str] | None
              ) -> dict[str, pd.DataFrame]:
    """Only the rows of `towns` (None: every town); tables without towns (drift) stay whole."""
    if towns is None:
        return tables
    return {name: frame.loc[frame["town_code"].isin(towns)].reset_index(drop=True)
            if "town_code" in frame else frame for name, frame in tables.items()}
