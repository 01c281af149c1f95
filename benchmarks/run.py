"""Speed and memory of riskwarn's stages: `make bench` (SCALE=small|city).

Each stage runs in its own process so its peak memory (max RSS) is its own. Prints one table;
record results with the machine in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = {
    "small": {"entities": 30_000, "start": "2023-01-01", "end": "2025-12-31"},
    "city": {"entities": 1_600_000, "start": "2021-01-01", "end": "2025-12-31"},
}
TARGETS = {"simulate": {"city": (180.0, 6.0)}}  # stage: scale: (seconds, GB peak)


def _run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (GB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kb, before) / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--out", type=Path, default=None, help="keep the generated data here")
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
    print(f"riskwarn benchmarks, SCALE={opts.scale} ({scale['entities']:,} entities, "
          f"{scale['start']}..{scale['end']}), {platform.machine()}, "
          f"{platform.python_version()}")
    print(f"{'stage':<10} {'seconds':>9} {'peak GB':>8}  target")
    for stage, seconds, peak in rows:
        target = TARGETS.get(stage, {}).get(opts.scale)
        verdict = ""
        if target:
            met = seconds <= target[0] and peak <= target[1]
            verdict = f"≤{target[0]:.0f} s, ≤{target[1]:.0f} GB: {'met' if met else 'MISSED'}"
        print(f"{stage:<10} {seconds:>9.1f} {peak:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
