"""`riskwarn simulate`: a Dongguan-like market written as the bureau's seven source tables.

Same seed, same output, byte for byte. The hidden truth (each firm's monthly risk) goes to
`_truth/latent_risk.parquet`, and the firms planted with a trigger's pattern (`plants`) to
`_truth/planted.parquet`; only evaluation code may read them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from features.simulate import tables as tb
from features.simulate.complaint_table import complaints
from features.simulate.inspectors import draw_inspectors
from features.simulate.market import months, run_market
from features.simulate.naming import uscc_codes
from features.simulate.plants import plant_patterns
from features.simulate.population import EPOCH, draw_population
from features.simulate.recorder import Recorder

TRUTH_FILE = Path("_truth") / "latent_risk.parquet"
PLANTED_FILE = Path("_truth") / "planted.parquet"
BURN_IN_DAYS = 3 * 365  # the market runs three years before the data starts: no cold start
TRUTH_SCHEMA = pa.schema([("uscc", pa.string()), ("month", pa.date32()), ("risk", pa.float32())])


@dataclass(frozen=True)
class SimulationSpec:
    entities: int
    start: date
    end: date  # inclusive
    seed: int
    messy: bool = False

    @property
    def days(self) -> tuple[int, int]:
        start = int((np.datetime64(self.start, "D") - EPOCH).astype(int))
        return start, int((np.datetime64(self.end, "D") - EPOCH).astype(int)) + 1


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def simulate_tables(spec: SimulationSpec, truth_path: Path | None,
                    progress: Callable[[], None] | None = None) -> dict[str, pa.Table]:
    """The seven tables in memory; the monthly truth is streamed to `truth_path`."""
    if spec.entities < 100:
        raise ValueError("--entities must be at least 100")
    start, end = spec.days
    if end - start < 62:
        raise ValueError("the period must span at least two months")
    rng = np.random.default_rng(spec.seed)
    pop = draw_population(rng, spec.entities, start, end)
    codes = uscc_codes(pop, spec.seed)
    code_array = pa.array(codes, type=pa.string())
    pools, inspector_table = draw_inspectors(rng, spec.entities, start, end)
    rec = Recorder()
    writer = pq.ParquetWriter(truth_path, TRUTH_SCHEMA, compression="zstd") if truth_path else None

    def truth(first_day: int, idx: np.ndarray, risk: np.ndarray) -> None:
        if writer is None:
            return
        month = (EPOCH + np.timedelta64(first_day, "D")).astype("datetime64[M]")
        month_day = int((month.astype("datetime64[D]") - EPOCH).astype(int))
        writer.write_table(pa.table({
            "uscc": code_array.take(pa.array(idx)),
            "month": pa.array(np.full(len(idx), month_day, dtype=np.int32), type=pa.date32()),
            "risk": pa.array(risk.astype(np.float32)),
        }, schema=TRUTH_SCHEMA))

    try:
        reg = run_market(rng, pop, pools, start - BURN_IN_DAYS, end, rec, truth, progress,
                         record_from=start)
    finally:
        if writer is not None:
            writer.close()
    changes = rec.get("changes")
    window = (start, end)
    firms = tb.firm_strings(rng, pop, reg, codes, changes, spec.seed)
    tables = {
        "registrations": tb.registrations(rng, pop, reg, firms, changes, spec.seed),
        "registration_changes": tb.registration_changes(changes, firms, window),
        "penalties": tb.penalties(rec.get("penalties"), pop, firms, window),
        "complaints": complaints(rng, rec.get("complaints"), pop, firms, window),
        "inspections": tb.inspections(rec.get("inspections"), firms,
                                      inspector_table["inspector_id"].combine_chunks(), window),
        "abnormal_list": tb.abnormal_list(rec.get("listings"), firms, window),
        "inspectors": inspector_table,
    }
    tables, planted = plant_patterns(tables, spec.entities, spec.seed, window)
    if truth_path is not None:
        _write(planted, truth_path.parent / PLANTED_FILE.name)
    return tables


def month_count(spec: SimulationSpec) -> int:
    start, end = spec.days
    return sum(1 for _ in months(start - BURN_IN_DAYS, end))


def simulate(spec: SimulationSpec, out: Path,
             progress: Callable[[], None] | None = None) -> dict[str, pa.Table]:
    """Write the tables to `out/*.parquet` (and the truth); the old `out` stays until done."""
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / TRUTH_FILE.parent).mkdir(parents=True)
    tables = simulate_tables(spec, partial / TRUTH_FILE, progress)
    written = dict(tables)
    if spec.messy:
        from features.simulate.messy import make_messy

        written = make_messy(tables, np.random.default_rng(spec.seed + 1), partial)
    for name, table in written.items():
        if table is not None:
            _write(table, partial / f"{name}.parquet")
    if out.exists():
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        partial.rename(out)
        shutil.rmtree(old)
    else:
        partial.rename(out)
    return tables
