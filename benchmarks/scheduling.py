"""Scheduling speed (issue 20): `make_plan` end to end — the draw, the targeted list, the CP-SAT
assignment and the summary — in two scenarios:

- city month: 100,000 scored firms and 300 inspectors (synthetic, over Dongguan's 36 towns; a
  fifth of the firms visited at random in the last 12 months, a tenth with an inspector to
  recuse), March 2025. Target: at most 10 s. Shown again with only 40 inspectors, where
  capacity binds and the solver spends its whole (deterministic) time budget.
- demo two weeks: the demo market (`riskwarn demo`'s 30,000 entities, seed 7) with its own
  roster of 72 inspectors, its active food, e-commerce and quasi-financial firms given
  synthetic probabilities (no model needed), the top quasi-financial firm confirmed,
  2026-01-05..16. Target: at most 2 s.

Both plan with the configured reach (`scheduling.reach`) over Dongguan's borders.

    .venv/bin/python benchmarks/scheduling.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from features.demo_data import demo_spec
from features.industries import INDUSTRY_KEYS, industry_of
from features.loading import load_sources
from features.simulate import simulate
from features.towns import TOWN_CODES, neighbours
from serving.scheduling.plan import Plan, make_plan
from serving.scheduling.synthetic import firms_of, roster_of
from serving.workspace.planning import plan_request

Scenario = Callable[[int], Plan]


def city_month(n_firms: int = 100_000, n_inspectors: int = 300) -> Scenario:
    rng = np.random.default_rng(0)
    towns = list(TOWN_CODES)
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    firms = firms_of(rng, n_firms, towns)
    roster = roster_of(rng, n_inspectors, towns, start, 31)
    recent = firms["uscc"].sample(frac=0.2, random_state=1)
    recusals = pd.DataFrame({"uscc": firms["uscc"].sample(frac=0.1, random_state=2)})
    recusals["inspector_id"] = rng.choice(roster["inspector_id"], size=len(recusals))
    borders = neighbours()
    return lambda seed: make_plan(firms, roster, plan_request(start, end, seed), recent,
                                  recusals, (), borders)


def demo_two_weeks(folder: Path) -> Scenario:
    simulate(demo_spec(), folder)
    sources = load_sources(folder)
    registered = sources.tables["registrations"]
    registered = registered.loc[registered["status"].isin(["存续", "在营"])]
    firms = pd.DataFrame({"uscc": registered["uscc"].to_numpy(),
                          "industry": industry_of(registered["industry_code"]).to_numpy(),
                          "town_code": registered["town_code"].to_numpy()})
    firms = firms.loc[firms["industry"].isin(INDUSTRY_KEYS)].reset_index(drop=True)
    firms["probability"] = np.random.default_rng(0).beta(0.5, 12, len(firms))
    firms["tier"] = np.array(list("ABCD"))[np.searchsorted([0.03, 0.08, 0.2],
                                                           firms["probability"])]
    quasi = firms.loc[firms["industry"] == "quasi_financial"]
    top = [quasi.sort_values("probability").iloc[-1]["uscc"]]
    roster, borders = sources.tables["inspectors"], sources.meta.town_neighbours()
    start, end = date(2026, 1, 5), date(2026, 1, 16)
    return lambda seed: make_plan(firms, roster, plan_request(start, end, seed), (), None, top,
                                  borders)


def measure(name: str, scenario: Scenario, target: float, repeat: int) -> str:
    seconds = []
    for seed in range(repeat):
        began = time.perf_counter()
        plan = scenario(seed)
        seconds.append(time.perf_counter() - began)
    s = plan.summary
    median = float(np.median(seconds))
    reasons = ", ".join(f"{k} {v}" for k, v in s["unplaced_by_reason"].items()) or "—"
    return (f"| {name} | {s['visits']:,} / {s['wanted']:,} | {reasons} | "
            f"{s['by_kind']['confirmed']['placed']} / {s['by_kind']['confirmed']['wanted']} | "
            f"{s['capacity']['share_used']:.1%} | {median:.2f} | {max(seconds):.2f} | "
            f"{target:.0f} | {'met' if median <= target else 'MISSED'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    print("| scenario | placed / wanted | unplaced by reason | confirmed placed | capacity used "
          "| median s | worst s | target s | verdict |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(measure("city month: 100,000 firms, 300 inspectors", city_month(), 10.0,
                  opts.repeat))
    print(measure("city month, short-staffed: 100,000 firms, 40 inspectors",
                  city_month(n_inspectors=40), 10.0, opts.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        print(measure("demo two weeks: 30,000 entities, 72 inspectors",
                      demo_two_weeks(Path(tmp) / "sources"), 2.0, opts.repeat))


if __name__ == "__main__":
    main()
