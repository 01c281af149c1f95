"""`riskwarn nightly` for one date at city scale (issue 18): ≤ 5 minutes, ≤ 6 GB.

Runs the command as one process under GNU time against a database and data folder of its own
(never the project's), with the champions of `MLFLOW_TRACKING_URI`, then again for the same date
(which must do nothing), and prints wall seconds and peak memory beside each step's own seconds
from the `jobs` table. Record results with the machine in benchmarks/RESULTS.md.

    MLFLOW_TRACKING_URI=sqlite:////path/mlflow.db .venv/bin/python benchmarks/nightly.py \\
        --sources /tmp/city/sources --as-of 2026-01-01 --work /tmp/nightly-bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS, TARGET_GB = 300.0, 6.0


def run_once(sources: str, as_of: str, work: Path) -> tuple[float, float, str]:
    """Wall seconds, peak GB and the output of one `riskwarn nightly`."""
    env = {**os.environ, "RISKWARN_DATABASE_URL": f"sqlite:///{work}/riskwarn.db",
           "RISKWARN_DATA_DIR": str(work / "data")}
    riskwarn = str(Path(sys.executable).with_name("riskwarn"))
    report = work / "time.txt"
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), riskwarn, "nightly",
                           "--sources", sources, "--as-of", as_of], env=env, text=True,
                          capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"riskwarn nightly failed:\n{done.stdout}\n{done.stderr}")
    return seconds, int(report.read_text().split()[-1]) / 1024 ** 2, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nightly-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    first = run_once(args.sources, args.as_of, args.work)
    again = run_once(args.sources, args.as_of, args.work)
    print(first[2], end="")
    verdict = "met" if first[0] <= TARGET_SECONDS and first[1] <= TARGET_GB else "NOT met"
    print(f"\n| call | seconds | peak GB |\n|---|---|---|\n| first | {first[0]:.1f} | "
          f"{first[1]:.2f} |\n| again (nothing to do) | {again[0]:.1f} | {again[1]:.2f} |\n"
          f"target ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_GB:.0f} GB: {verdict}")


if __name__ == "__main__":
    main()
