"""Scheduling speed: a one-month plan for 100,000 eligible firms and 300 inspectors.

    .venv/bin/python benchmarks/scheduling.py [--firms 100000] [--inspectors 300] [--repeat 5]

Target (issue 6): at most 2 s on this machine. Prints one table; inputs are synthetic
(`serving.scheduling.synthetic`) over all of Dongguan's towns, a fifth of the firms visited at
random in the last 12 months and a tenth with an inspector to recuse.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import pandas as pd

from features.towns import TOWN_CODES
from serving.scheduling.plan import PlanRequest, make_plan
from serving.scheduling.synthetic import CAPACITY, firms_of, roster_of

TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--inspectors", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    rng = np.random.default_rng(0)
    towns = list(TOWN_CODES)
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    firms = firms_of(rng, opts.firms, towns)
    roster = roster_of(rng, opts.inspectors, towns, start, 31)
    recent = firms["uscc"].sample(frac=0.2, random_state=1)
    recusals = pd.DataFrame({"uscc": firms["uscc"].sample(frac=0.1, random_state=2)})
    recusals["inspector_id"] = rng.choice(roster["inspector_id"], size=len(recusals))
    seconds = []
    for seed in range(opts.repeat):
        began = time.perf_counter()
        plan = make_plan(firms, roster, PlanRequest(start, end, seed, CAPACITY), recent,
                         recusals)
        seconds.append(time.perf_counter() - began)
    best, median = min(seconds), float(np.median(seconds))
    print("| firms | inspectors | visits | unassigned | median s | best s | target s | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {opts.firms:,} | {opts.inspectors} | {plan.summary['visits']:,} | "
          f"{plan.summary['unassigned']} | {median:.2f} | {best:.2f} | {TARGET_SECONDS:.0f} | "
          f"{'met' if median <= TARGET_SECONDS else 'MISSED'} |")


if __name__ == "__main__":
    main()
