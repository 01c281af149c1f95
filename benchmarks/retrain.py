"""`riskwarn retrain` at city scale (issue 4): all three industries, tuned values reused.

Runs `riskwarn retrain` as one process under GNU time against a registry and data folder of its
own (never the project's `mlruns/` or `data/`), then prints wall seconds, peak memory, the rows
each industry trained on and the test metrics of each new model beside the points rule's.
Record results with the machine in benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/retrain.py --sources /tmp/city/sources --work /tmp/retrain-bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from training.data import TEST_DATES

TARGET_SECONDS = 600.0
KEYS = ("food", "ecommerce", "quasi_financial")
SHOWN = ("test_rows", "test_positives", "test_precision_at_k", "test_rule_precision_at_k",
         "test_roc_auc", "test_rule_roc_auc", "test_ece")


def run_retrain(sources: Path, work: Path) -> tuple[float, float, dict[str, str]]:
    """Wall seconds, peak GB and the environment (registry, data folder) of one retrain run."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlruns/mlflow.db",
           "RISKWARN_DATA_DIR": str(work / "data"), "RISKWARN_MLRUNS": str(work / "mlruns")}
    if os.environ.get("RISKWARN_MLRUNS"):  # tuned values: reuse them where they are kept
        env["RISKWARN_MLRUNS"] = os.environ["RISKWARN_MLRUNS"]
    riskwarn = str(Path(sys.executable).with_name("riskwarn"))
    report = work / "time.txt"
    start = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), riskwarn, "retrain",
                    "--sources", str(sources), "--features", str(work / "features")],
                   check=True, env=env)
    seconds = time.perf_counter() - start
    peak_kb = int(report.read_text().strip().splitlines()[-1])
    return seconds, peak_kb / 1024**2, env


def trained_figures(env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per industry, the latest train run's test metrics and rows."""
    os.environ["MLFLOW_TRACKING_URI"] = env["MLFLOW_TRACKING_URI"]
    from training import tracking

    client = tracking.client()
    out = {}
    for key in KEYS:
        runs = client.search_runs([tracking.experiment_id(key)], "tags.kind = 'train'",
                                  order_by=["start_time DESC"], max_results=1)
        if runs:
            run = runs[0]
            out[key] = {**run.data.metrics, "train_from": run.data.params.get("train_from"),
                        "train_to": run.data.params.get("train_to")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, default=Path("/tmp/city/sources"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/retrain-bench"),
                        help="registry, data folder and features of this benchmark")
    parser.add_argument("--fresh", action="store_true",
                        help="remove the work folder's registry and features first")
    opts = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("benchmarks need GNU time (apt-get install time)")
    if opts.fresh:
        for name in ("mlruns", "data", "features"):
            shutil.rmtree(opts.work / name, ignore_errors=True)
    opts.work.mkdir(parents=True, exist_ok=True)
    seconds, peak, env = run_retrain(opts.sources, opts.work)
    features = opts.work / "features"
    manifest = json.loads((features / "_manifest.json").read_text("utf-8"))
    window = json.loads((features / "_retrain_window.json").read_text("utf-8"))["window"]
    figures = trained_figures(env)
    met = "met" if seconds <= TARGET_SECONDS else "MISSED"
    print(f"riskwarn retrain, {opts.sources}, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{seconds:.1f} s, peak {peak:.2f} GB (target ≤ {TARGET_SECONDS:.0f} s: {met})")
    print(f"{'industry':<16} {'window rows':>11} {'train rows':>10} {'train dates':>23} "
          + " ".join(f"{m.removeprefix('test_').replace('rows', 'test rows'):>14}"
                     for m in SHOWN))
    for key in KEYS:
        got = figures.get(key, {})
        dates = f"{got.get('train_from')}..{got.get('train_to')}"
        train = set(window[key][:-1 - TEST_DATES])  # window: train, calibration, test dates
        rows = sum(p["rows"] for p in manifest["partitions"]
                   if p["industry"] == key and p["as_of"] in train)
        values = " ".join(f"{got.get(m, float('nan')):>14.4f}" for m in SHOWN)
        print(f"{key:<16} {manifest['row_counts'].get(key, 0):>11,} {rows:>10,} {dates:>23} "
              f"{values}")


if __name__ == "__main__":
    main()
