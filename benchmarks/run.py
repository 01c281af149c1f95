"""Speed and memory of riskwarn's stages: `make bench` (SCALE=small|city).

Each stage runs in its own process so its peak memory (max RSS) is its own. Prints one table;
record results with the machine in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = {
    "small": {"entities": 30_000, "start": "2023-01-01", "end": "2025-12-31",
              "as_of": "2025-01-01", "monthly": ("2024-01-01", "2024-12-31")},
    "city": {"entities": 1_600_000, "start": "2021-01-01", "end": "2025-12-31",
             "as_of": "2025-01-01", "monthly": ("2024-01-01", "2024-12-31")},
}
TARGETS = {  # stage: scale: (seconds, GB peak)
    "simulate": {"city": (180.0, 6.0)},
    "features 1 as-of": {"city": (30.0, 4.0)},
    "features 12 months": {"city": (180.0, 4.0)},
}


def _run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (GB) of one child process, read by GNU time."""
    if not Path("/usr/bin/time").exists():
        sys.exit("benchmarks need GNU time (apt-get install time)")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *args], check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        peak_kb = int(report.read().strip().splitlines()[-1])
    return seconds, peak_kb / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--out", type=Path, default=None, help="keep the generated data here")
    parser.add_argument("--serving", action="store_true",
                        help="afterwards, the serving benchmark (benchmarks/service_speed.py; "
                             "always at SCALE=city)")
    opts = parser.parse_args()
    scale = SCALES[opts.scale]
    riskwarn = str(Path(sys.executable).with_name("riskwarn"))
    with tempfile.TemporaryDirectory() as tmp:
        out = opts.out or Path(tmp) / "sources"
        rows = []
        seconds, peak = _run([riskwarn, "simulate", "--entities", str(scale["entities"]),
                              "--start", scale["start"], "--end", scale["end"], "--seed", "1",
                              "--out", str(out)])
        rows.append(("simulate", seconds, peak))
        seconds, peak = _run([riskwarn, "validate", str(out)])
        rows.append(("validate", seconds, peak))
        feats = Path(tmp) / "features"
        seconds, peak = _run([riskwarn, "features", "--sources", str(out), "--out",
                              str(feats / "one"), "--as-of", scale["as_of"]])
        rows.append(("features 1 as-of", seconds, peak))
        seconds, peak = _run([riskwarn, "features", "--sources", str(out), "--out",
                              str(feats / "monthly"), "--monthly", *scale["monthly"]])
        rows.append(("features 12 months", seconds, peak))
        print_table(rows, opts.scale)
        if opts.serving or opts.scale == "city":  # needs the generated sources: inside
            serving_stages(out)


def print_table(rows: list[tuple[str, float, float]], scale_name: str) -> None:
    scale = SCALES[scale_name]
    print(f"riskwarn benchmarks, SCALE={scale_name} ({scale['entities']:,} entities, "
          f"{scale['start']}..{scale['end']}), {platform.machine()}, "
          f"{platform.python_version()}")
    print(f"{'stage':<20} {'seconds':>9} {'peak GB':>8}  target")
    for stage, seconds, peak in rows:
        target = TARGETS.get(stage, {}).get(scale_name)
        verdict = ""
        if target:
            met = seconds <= target[0] and peak <= target[1]
            verdict = f"≤{target[0]:.0f} s, ≤{target[1]:.0f} GB: {'met' if met else 'MISSED'}"
        print(f"{stage:<20} {seconds:>9.1f} {peak:>8.2f}  {verdict}", flush=True)


# -- serving stages (benchmarks/service_speed.py prints its own table and targets) -----------
def serving_stages(sources: Path) -> None:
    """/score beside the plain BentoML service (one worker each), side by side: one connection
    for 6,000 sequential requests (about a minute for riskwarn: stalls show at p99.9), then
    32 with wrk; and the first `fresh` score after start. Scores the generated sources first."""
    script = Path(__file__).resolve().with_name("service_speed.py")
    subprocess.run([sys.executable, str(script), "online", "--workers", "1", "--connections",
                    "32", "--requests", "6000", "--sources", str(sources)], check=True)


if __name__ == "__main__":
    main()
