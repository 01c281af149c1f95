"""A period's inspection plan from the latest scores, the roster and recent visits.

`make_plan` is pure: the same inputs and seed give the same plan. The service draws the seed
itself (only an admin may pass one, to replay a plan) and stores every plan it makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from serving.scheduling.assign import assign
from serving.scheduling.calendar import CalendarOverrides, working_days
from serving.scheduling.draw import (
    DEFAULT_RATIOS,
    DEFAULT_TARGETED_SHARE,
    draw_random,
    pick_targeted,
    targeted_counts,
)

DAYS_PER_YEAR = 365.25
VISIT_COLUMNS = ["date", "uscc", "industry", "town_code", "inspector_ids", "kind", "tier",
                 "probability", "inclusion_prob"]
PUBLIC_COLUMNS = ["date", "uscc", "name", "inspectors"]


@dataclass(frozen=True)
class PlanRequest:
    start: date
    end: date
    seed: int
    capacity: Mapping[str, float]  # monthly visits per industry (industries.yaml)
    industry: str | None = None
    ratios: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATIOS))
    targeted_share: float = DEFAULT_TARGETED_SHARE
    calendar: CalendarOverrides = field(default_factory=CalendarOverrides)

    def check(self) -> None:
        for name, day in (("start", self.start), ("end", self.end)):
            if not 2000 <= day.year <= 2100:
                raise ValueError(f"{name}: {day} is outside the years 2000-2100")
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        if (self.end - self.start).days > 366:
            raise ValueError("end: a plan covers at most one year")


@dataclass
class Plan:
    seed: int
    visits: pd.DataFrame      # VISIT_COLUMNS, assigned visits, by date
    unassigned: pd.DataFrame  # visits no free qualified pair could take
    summary: dict[str, Any]


def make_plan(firms: pd.DataFrame, inspectors: pd.DataFrame, request: PlanRequest,
              recently_random: Iterable[str] = (), recusals: pd.DataFrame | None = None,
              confirmed: Iterable[str] = ()) -> Plan:
    """Random visits per tier and town, targeted visits, then inspectors and dates.

    `firms`: uscc, industry, town_code, tier, probability (the latest scoring run).
    `inspectors`: inspector_id, towns, industries, visits_per_day, unavailable_dates.
    `recently_random`: firms visited at random in the last 12 months; `recusals`: (uscc,
    inspector_id) pairs of visits in the last 12 months; `confirmed`: officer-confirmed firms.
    """
    request.check()
    rng = np.random.default_rng(request.seed)
    if request.industry:
        firms = firms.loc[firms["industry"] == request.industry]
    firms = firms.sort_values("uscc", kind="stable").reset_index(drop=True)
    days = working_days(request.start, request.end, request.calendar)
    span = (request.end - request.start).days + 1
    recent = firms["uscc"].isin(set(recently_random)).to_numpy()
    drawn, targets = draw_random(firms, recent, request.ratios, span / DAYS_PER_YEAR, rng)
    drawn["kind"] = "random"
    capacity = {k: v for k, v in request.capacity.items() if k in set(firms["industry"])}
    counts = targeted_counts(capacity, span / (DAYS_PER_YEAR / 12), request.targeted_share)
    targeted = pick_targeted(firms, drawn["uscc"], confirmed, counts)
    targeted["kind"], targeted["inclusion_prob"] = "targeted", np.nan
    visits = pd.concat([drawn, targeted.drop(columns="confirmed")], ignore_index=True)
    placed = assign(visits, inspectors, days, _recusals(recusals), rng)
    done = placed["date"].notna()
    out = placed.loc[done, VISIT_COLUMNS].sort_values(["date", "town_code", "uscc"])
    summary = summarise(firms, out, placed.loc[~done], targets, counts, targeted, inspectors,
                        days, request)
    return Plan(request.seed, out.reset_index(drop=True),
                placed.loc[~done, VISIT_COLUMNS].reset_index(drop=True), summary)


def _recusals(recusals: pd.DataFrame | None) -> pd.DataFrame:
    if recusals is None:
        return pd.DataFrame({"uscc": pd.Series(dtype=str), "inspector_id": pd.Series(dtype=str)})
    return recusals


def expected_violations(firms: pd.DataFrame, planned: pd.DataFrame) -> dict[str, float]:
    """Sum of calibrated probabilities: the plan, a pure random plan and a pure top-k plan of
    the same size over the same firms."""
    n = len(planned)
    p = np.sort(firms["probability"].to_numpy(dtype=float))[::-1]
    return {"plan": float(planned["probability"].sum()),
            "pure_random": float(n * p.mean()) if len(p) else 0.0,
            "pure_top_k": float(p[:n].sum())}


def summarise(firms: pd.DataFrame, planned: pd.DataFrame, unassigned: pd.DataFrame,
              targets: pd.DataFrame, counts: Mapping[str, int], targeted: pd.DataFrame,
              inspectors: pd.DataFrame, days: list[date], request: PlanRequest
              ) -> dict[str, Any]:
    random = planned.loc[planned["kind"] == "random"]
    got = random.groupby(["industry", "tier", "town_code"]).size().rename("planned")
    strata = targets.join(got, on=["industry", "tier", "town_code"]).fillna({"planned": 0})
    by_tier = strata.groupby("tier")[["target", "planned"]].sum()
    slots = int(inspectors["visits_per_day"].sum()) * len(days)
    return {
        "seed": request.seed, "start": f"{request.start}", "end": f"{request.end}",
        "working_days": len(days),
        "random_by_tier": {str(t): {"target": round(float(target), 2), "planned": int(n)}
                           for t, target, n in zip(by_tier.index, by_tier["target"],
                                                   by_tier["planned"], strict=True)},
        "random_by_stratum": [
            {**r, "firms": int(r["firms"]), "target": round(float(r["target"]), 3),
             "planned": int(r["planned"])}
            for r in strata[["industry", "tier", "town_code", "firms", "target", "planned"]]
            .to_dict("records")],
        "targeted": {k: {"target": int(n), "planned": int((planned["kind"].eq("targeted")
                                                           & planned["industry"].eq(k)).sum()),
                         "confirmed": int(targeted.loc[targeted["industry"] == k,
                                                       "confirmed"].sum())}
                     for k, n in counts.items()},
        "visits": len(planned), "unassigned": len(unassigned),
        "capacity": {"visit_slots": slots // 2, "used": len(planned),
                     "share_used": round(len(planned) / max(slots // 2, 1), 4)},
        "expected_violations": expected_violations(firms, planned),
    }


def public_view(plan: Plan, firm_names: Mapping[str, str],
                inspector_names: Mapping[str, str]) -> pd.DataFrame:
    """双随机、一公开: firms, dates and inspector names only (no tier, no probability)."""
    visits = plan.visits
    return pd.DataFrame({
        "date": visits["date"].map(str),
        "uscc": visits["uscc"],
        "name": visits["uscc"].map(firm_names).fillna(""),
        "inspectors": ["、".join(inspector_names.get(i, i) for i in pair)
                       for pair in visits["inspector_ids"]],
    })[PUBLIC_COLUMNS]
