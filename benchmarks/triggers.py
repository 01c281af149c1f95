"""How often each early-warning rule fires in one night at city scale (issue 18): the sources
loaded as of the date, then each rule timed on its own, with its firings that night (what a
first night puts in the queue), per thousand active firms, and the firings new on each of the
`--nights` nights before (a firm fires again while its warning is open, so in steady state
officers read only the new ones). A rule firing thousands of times, or hundreds of new ones a
night, is a rule to tighten. Record results in benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/triggers.py --sources /work/city/sources --as-of 2026-01-01
"""

from __future__ import annotations

import argparse
import time
from itertools import pairwise

import pandas as pd

from features.loading import load_sources
from features.triggers import areas, complaints, registration
from features.triggers.config import default_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--nights", type=int, default=3)
    args = parser.parse_args()
    as_of = pd.Timestamp(args.as_of)
    began = time.perf_counter()
    tables = load_sources(args.sources, as_of.date()).tables
    reg = tables["registrations"]
    active = int(((reg["status"] == "存续") & (reg["known_at"] < as_of)).sum())
    print(f"loaded in {time.perf_counter() - began:.1f} s; {active:,} active firms")
    config = default_config()
    rules = {"complaint_surge": complaints.complaint_surge,
             "area_complaint_surge": areas.area_complaint_surge,
             "cluster_registration": registration.cluster_registration,
             "one_rep_many_firms": registration.one_rep_many_firms,
             "phoenix_firm": registration.phoenix_firm,
             "repeated_changes": registration.repeated_changes,
             "quasi_financial_scope": registration.quasi_financial_scope}
    print(f"| rule | firings on {as_of:%Y-%m-%d} | per 1,000 active firms | seconds | new a "
          f"night, {args.nights} nights before |\n|---|---|---|---|---|")
    for name, rule in rules.items():
        began = time.perf_counter()
        fired = rule(tables, as_of, getattr(config, name))
        seconds = time.perf_counter() - began
        keys = [c for c in ("uscc", "town_code", "industry") if c in fired]
        nights = [set(map(tuple, rule(tables, as_of - pd.Timedelta(days=d), getattr(
            config, name))[keys].to_numpy())) for d in range(args.nights, -1, -1)]
        new = [len(after - before) for before, after in pairwise(nights)]
        print(f"| {name} | {len(fired):,} | {1000 * len(fired) / active:.3f} | {seconds:.1f} | "
              f"{', '.join(map(str, new))} |", flush=True)


if __name__ == "__main__":
    main()
