"""Speed and memory of the inspection cohort (`riskwarn features --cohort inspected`).

    python benchmarks/cohort_speed.py --sources FOLDER [--label violation] [--from D --to D]

Builds the cohort into a temporary folder in this process, printing a line per stage, then
the visits, distinct dates, wall seconds and peak memory (max RSS). Record results with the
command, the machine and its load (`uptime`) in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from features.dataset import build_cohort_dataset
from features.industries import INDUSTRY_KEYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--label", default="violation")
    parser.add_argument("--from", dest="start", default=None, help="first visit date")
    parser.add_argument("--to", dest="end", default=None, help="last visit date")
    opts = parser.parse_args()
    bounds = ((pd.Timestamp(opts.start), pd.Timestamp(opts.end))
              if opts.start and opts.end else None)
    started = time.perf_counter()

    def report(line: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {line}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        manifest = build_cohort_dataset(opts.sources, Path(tmp) / "cohort", bounds,
                                        list(INDUSTRY_KEYS), opts.label, report=report)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    dates = len({p["as_of"] for p in manifest["partitions"]})
    print(f"cohort of {manifest['visits']:,} visits ({manifest['visits_kept']:,} kept) on "
          f"{dates:,} dates: {seconds:.1f} s, peak {peak:.2f} GB; {platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
