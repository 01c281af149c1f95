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

from serving.scheduling.assign import assign, day_slots
from serving.scheduling.calendar import CalendarOverrides, working_days
from serving.scheduling.draw import (
    DEFAULT_RATIOS,
    DEFAULT_TARGETED_SHARE,
    draw_random,
    pick_targeted,
    targeted_counts,
)
from serving.scheduling.solve import DEFAULT_SECONDS
from serving.scheduling.summary import summarise

DAYS_PER_YEAR = 365.25
VISIT_COLUMNS = ["date", "uscc", "industry", "town_code", "inspector_ids", "kind", "tier",
                 "probability", "inclusion_prob", "confirmed"]
UNPLACED_COLUMNS = ["uscc", "industry", "town_code", "kind", "tier", "probability",
                    "inclusion_prob", "confirmed", "reason"]
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
    reach: int = 0  # borders an inspector may cross beyond their own towns
    solve_seconds: float = DEFAULT_SECONDS

    def check(self) -> None:
        for name, day in (("start", self.start), ("end", self.end)):
            if not 2000 <= day.year <= 2100:
                raise ValueError(f"{name}: {day} is outside the years 2000-2100")
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        if (self.end - self.start).days > 366:
            raise ValueError("end: a plan covers at most one year")
        if not 0 <= self.reach <= 5:
            raise ValueError(f"reach: {self.reach} is not in 0..5")


@dataclass
class Plan:
    seed: int
    visits: pd.DataFrame    # VISIT_COLUMNS, placed visits, by date
    unplaced: pd.DataFrame  # UNPLACED_COLUMNS: wanted visits that could not be placed, why
    summary: dict[str, Any]


def make_plan(firms: pd.DataFrame, inspectors: pd.DataFrame, request: PlanRequest,
              recently_random: Iterable[str] = (), recusals: pd.DataFrame | None = None,
              confirmed: Iterable[str] = (),
              neighbours: Mapping[str, Iterable[str]] | None = None) -> Plan:
    """Random visits per tier and town, targeted visits, then inspectors and dates.

    `firms`: uscc, industry, town_code, tier, probability (the latest scoring run).
    `inspectors`: inspector_id, towns, industries, visits_per_day, unavailable_dates.
    `recently_random`: firms visited at random in the last 12 months; `recusals`: (uscc,
    inspector_id) pairs of visits in the last 12 months; `confirmed`: officer-confirmed firms;
    `neighbours`: town -> bordering towns, for `request.reach`.
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
    chosen = set(confirmed)
    targeted = pick_targeted(firms, drawn["uscc"], chosen, counts)
    targeted["kind"], targeted["inclusion_prob"] = "targeted", np.nan
    visits = pd.concat([drawn, targeted.drop(columns="confirmed")], ignore_index=True)
    visits["confirmed"] = visits["uscc"].isin(chosen)
    done = assign(visits, inspectors, days, _recusals(recusals), rng, neighbours,
                  request.reach, request.solve_seconds)
    placed = done["reason"].isna()
    out = done.loc[placed, VISIT_COLUMNS].sort_values(["date", "town_code", "uscc"])
    unplaced = done.loc[~placed, UNPLACED_COLUMNS].sort_values(["kind", "industry", "uscc"])
    head = {"seed": request.seed, "start": f"{request.start}", "end": f"{request.end}",
            "reach": request.reach}
    summary = summarise(firms, out, unplaced, targets, counts, day_slots(inspectors, days),
                        days, head)
    return Plan(request.seed, out.reset_index(drop=True), unplaced.reset_index(drop=True),
                summary)


def _recusals(recusals: pd.DataFrame | None) -> pd.DataFrame:
    if recusals is None:
        return pd.DataFrame({"uscc": pd.Series(dtype=str), "inspector_id": pd.Series(dtype=str)})
    return recusals


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
