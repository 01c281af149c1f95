"""Queue export speed: a run of N warnings (5,000 by default) as .xlsx and CSV, the way
GET /ui/queue.xlsx builds it (the query, the translated rows, the file), against the previous
writer (`pandas.DataFrame.to_excel` with openpyxl in normal mode).

    .venv/bin/python benchmarks/exports.py [--rows 5000] [--repeat 5]

Target (issue 14, item 3): at most 1 s for 5,000 rows. The database is a fresh SQLite file in
a temporary folder; firms, towns and reasons are synthetic. Prints one table (best of
`--repeat`).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from features.towns import TOWN_CODES
from serving.batch.exports import sheets_bytes
from serving.store import runs
from serving.store.columns import dump_json
from serving.store.database import open_database
from serving.store.users import add_user, user_for_token
from serving.ui.downloads import queue_sheet

TARGET_SECONDS = 1.0
REASON = dump_json([{"code": "complaints_12m", "effect_pp": 4.2, "reference": 1.0, "value": 3.0,
                     "text_zh": "近 12 个月投诉举报 3 次，高于同行业 90% 的企业",
                     "text_en": "3 complaints"}])


def _world(folder: Path, n: int):  # type: ignore[no-untyped-def]
    engine = open_database(f"sqlite:///{folder / 'bench.db'}")
    rng = np.random.default_rng(0)
    probability = rng.random(n)
    frame = pd.DataFrame({
        "uscc": [f"91441900MA{i:07d}X" for i in range(n)],
        "name": [f"东莞市样本{i}食品有限公司" for i in range(n)],
        "industry": "food", "town_code": rng.choice(list(TOWN_CODES), n),
        "as_of": "2026-01-01", "probability": probability,
        "tier": pd.cut(probability, [0, .5, .8, .95, 1], labels=list("ABCD")).astype(str),
        "reasons": REASON, "model_version": "1"})
    run_id = runs.start_run(engine, pd.Timestamp("2026-01-01"), "bench", {"food": "1"})
    runs.write_warnings(engine, run_id, frame)
    runs.finish_run(engine, run_id, n)
    user = user_for_token(engine, add_user(engine, "bench", "viewer", None))
    return engine, runs.latest_run(engine), user


def _best(task: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine, run, user = _world(Path(folder), args.rows)
        filters = dict.fromkeys(("industry", "town_code", "tier", "search", "decision"))

        def sheet():  # type: ignore[no-untyped-def]
            return queue_sheet(engine, run, user, filters, True, "zh")

        built = sheet()
        assert len(built.rows) == args.rows
        frame = pd.DataFrame(built.rows, columns=[c.header for c in built.columns])

        def old_writer() -> bytes:
            buffer = io.BytesIO()
            with pd.ExcelWriter(buffer, engine="openpyxl") as book:
                frame.to_excel(book, sheet_name="queue", index=False)
            return buffer.getvalue()

        timings = {
            "query + rows (queue_sheet)": _best(sheet, args.repeat),
            ".xlsx file only, write-only openpyxl": _best(
                lambda: sheets_bytes([built], ".xlsx"), args.repeat),
            ".csv file only": _best(lambda: sheets_bytes([built], ".csv"), args.repeat),
            ".xlsx end to end (query + rows + file)": _best(
                lambda: sheets_bytes([sheet()], ".xlsx"), args.repeat),
            ".csv end to end": _best(lambda: sheets_bytes([sheet()], ".csv"), args.repeat),
            "previous writer, .xlsx file only (pandas to_excel)": _best(old_writer,
                                                                         args.repeat),
        }
    print(f"| {args.rows:,} queue rows, best of {args.repeat} | seconds |")
    print("|---|---|")
    for what, seconds in timings.items():
        print(f"| {what} | {seconds:.3f} |")
    end_to_end = timings[".xlsx end to end (query + rows + file)"]
    print(f"\n.xlsx end to end {'within' if end_to_end <= TARGET_SECONDS else 'OVER'} the "
          f"{TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    main()
