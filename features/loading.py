"""Reading the seven source tables from a folder (Parquet or CSV) or a SQL database.

Row-level problems never stop a load: rows that break a rule are set aside in a quarantine
report (table, file, row, column, value, rule) and the rest carries on. Structural problems
(a missing table or column, an unreadable file) raise `SourceError`, naming the file and column.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import sqlalchemy as sa

from features import settings
from features.checks import VIOLATION_COLUMNS, check_tables, is_in, is_in_each, list_items
from features.contracts import LIST_SEP, TABLES, Contract
from features.metadata import DEFAULT_META, META_FILE, DatasetMeta, contracts_for, read_meta

QUARANTINE_COLUMNS = ["table", "file", *VIOLATION_COLUMNS]
FUTURE_RULE = "date after the run's date"  # the one rule that depends on the run's date
_SUFFIXES = (".parquet", ".csv")


class SourceError(Exception):
    """Structural problems that stop a load; each message names the file and what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:  # across processes, as raised
        return type(self), (self.problems,)


@dataclass
class Sources:
    """The seven typed tables, with the rows set aside and where each table came from."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    origin: dict[str, str] = field(default_factory=dict)
    meta: DatasetMeta = DEFAULT_META

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    @property
    def data_end(self) -> pd.Timestamp:
        """The latest `known_at` in any event table."""
        ends = [t["known_at"].max() for t in self.tables.values() if "known_at" in t]
        return pd.Timestamp(max(e for e in ends if pd.notna(e)))


def _visible(path: Path) -> bool:
    return not path.name.startswith(("_", "."))


def find_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Each table's file in `folder` (`<table>.parquet`, `<table>.csv` or a `<table>/` folder)."""
    if not folder.is_dir():
        return {}, [f"{folder}: not a folder"]
    found: dict[str, Path] = {}
    problems: list[str] = []
    for table in TABLES:
        candidates = [
            p for p in sorted(folder.iterdir())
            if _visible(p) and (p.name in {table + s for s in _SUFFIXES} or
                                (p.is_dir() and p.name == table))
        ]
        if not candidates:
            problems.append(
                f"{folder}: no file for table {table} ({table}.parquet or {table}.csv)"
            )
        elif len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            problems.append(f"{folder}: table {table} is in more than one file ({names})")
        else:
            found[table] = candidates[0]
    return found, problems


def decode_text(data: bytes) -> str:
    """CSV bytes in UTF-8 (with or without BOM) or GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_file(path: Path) -> pd.DataFrame:
    """A raw table: CSV cells as text (decoded UTF-8 or GB18030), Parquet as stored."""
    if path.suffix == ".csv":
        text = decode_text(path.read_bytes())
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    # one chunk per column: Arrow's dictionary encoding (pandas' factorize, firm ids) of a
    # column in many chunks unifies a growing dictionary per chunk, seconds at city scale;
    # dates as datetime64 rather than millions of `datetime.date` objects
    frame = pq.read_table(path).combine_chunks().to_pandas(date_as_object=False)
    for name in frame.columns:  # list-typed Parquet columns become '|'-joined text
        if len(frame) and isinstance(frame[name].iloc[0], (list, np.ndarray)):
            frame[name] = frame[name].map(
                lambda v: LIST_SEP.join(map(str, v)) if v is not None else None
            )
    return frame


def missing_columns(raw: pd.DataFrame, contract: Contract, where: str) -> list[str]:
    return [
        f"{where}: missing column {name} (table {contract.table} needs it)"
        for name in contract.required_names if name not in raw.columns
    ]


def read_meta_of(location: str | Path) -> tuple[DatasetMeta, list[str]]:
    """A folder's `_dataset.yaml` (a database keeps the defaults)."""
    if "://" in str(location):
        return DEFAULT_META, []
    return read_meta(Path(location))


def read_raw(location: str | Path, meta: DatasetMeta = DEFAULT_META
             ) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    """Raw tables, their origins, and structural problems (all of them, not just the first)."""
    contracts = contracts_for(meta)
    raws: dict[str, pd.DataFrame] = {}
    origin: dict[str, str] = {}
    problems: list[str] = []
    for table, where, reader in _readers(location, problems):
        try:
            raw = reader()
        except Exception as exc:  # an unreadable file is a structural problem, named
            problems.append(f"{where}: cannot read ({type(exc).__name__}: {exc})")
            continue
        lacking = missing_columns(raw, contracts[table], where)
        problems.extend(lacking)
        if not lacking:
            raws[table], origin[table] = raw, where
    return raws, origin, problems


Reader = Callable[[], pd.DataFrame]


def _read_sql(table: str, engine: sa.Engine) -> pd.DataFrame:
    frame = pd.read_sql_table(table, engine)
    assert isinstance(frame, pd.DataFrame)  # no chunksize: one frame
    return frame


def _readers(location: str | Path, problems: list[str]) -> Iterator[tuple[str, str, Reader]]:
    text = str(location)
    if "://" in text:
        engine = sa.create_engine(text)
        database = engine.url.database
        if (engine.url.get_backend_name() == "sqlite" and database and database != ":memory:"
                and not Path(database).is_file()):  # connecting would create an empty file
            problems.append(f"{engine.url}: no such database file")
            return
        names = set(sa.inspect(engine).get_table_names())
        for table in TABLES:
            where = f"{engine.url.render_as_string(hide_password=True)}#{table}"
            if table not in names:
                problems.append(f"{where}: no such table")
                continue
            yield table, where, partial(_read_sql, table, engine)
        return
    files, missing = find_files(Path(location))
    problems.extend(missing)
    for table, path in files.items():
        yield table, str(path), partial(read_file, path)


def _unknown_firms(frame: pd.DataFrame, col: str, registered: np.ndarray) -> pd.DataFrame:
    """Rows whose `col` is present but not registered."""
    rows = np.flatnonzero(frame[col].notna().to_numpy(dtype=bool) & ~registered)
    return pd.DataFrame({"row": rows, "column": col,
                         "value": frame[col].iloc[rows].to_numpy(dtype=object),
                         "rule": f"{col} not found in registrations"})


def _unknown_inspectors(inspections: pd.DataFrame, inspectors: pd.DataFrame) -> pd.DataFrame:
    """Visits naming an inspector id that is not in inspectors."""
    items, item_rows = list_items(inspections["inspector_ids"])
    unknown = ~is_in(items, inspectors["inspector_id"])
    rows = np.unique(item_rows[unknown])
    values = inspections["inspector_ids"].iloc[rows].to_numpy(dtype=object)
    return pd.DataFrame({"row": rows, "column": "inspector_ids", "value": values,
                         "rule": "inspector id not found in inspectors"})


def _firm_columns(table: str, frame: pd.DataFrame) -> list[str]:
    """The columns naming a firm that must be registered."""
    if table == "registrations":
        return ["parent_uscc"]
    return [c for c in ("uscc", "parent_uscc") if c in frame]


def _reference_violations(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Rows whose firm or inspector is not in registrations or inspectors."""
    firm_columns = [(t, c) for t, frame in tables.items() for c in _firm_columns(t, frame)]
    registered = dict(zip(firm_columns, is_in_each(
        [tables[t][c] for t, c in firm_columns], tables["registrations"]["uscc"]), strict=True))
    found: dict[str, pd.DataFrame] = {}
    for table, frame in tables.items():
        parts = [_unknown_firms(frame, col, registered[table, col])
                 for col in _firm_columns(table, frame)]
        if table == "inspections" and "inspectors" in tables:
            parts.append(_unknown_inspectors(frame, tables["inspectors"]))
        if parts:
            found[table] = pd.concat(parts, ignore_index=True)
    return found


def future_violations(frame: pd.DataFrame, contract: Contract, run_date: date
                      ) -> pd.DataFrame:
    """Rows dated after the run's date: an event the bureau cannot have learned of yet."""
    after = pd.Timestamp(run_date) + pd.Timedelta(days=1)
    parts = []
    for column in contract.columns:
        if column.kind not in ("date", "datetime") or column.name not in frame:
            continue
        rows = np.flatnonzero((frame[column.name] >= after).to_numpy(dtype=bool))
        parts.append(pd.DataFrame({
            "row": rows, "column": column.name,
            "value": frame[column.name].iloc[rows].astype("string").to_numpy(dtype=object),
            "rule": f"{FUTURE_RULE} {run_date:%Y-%m-%d}"}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=VIOLATION_COLUMNS)


def undeclared_scores(raws: dict[str, pd.DataFrame], origin: dict[str, str],
                      meta: DatasetMeta) -> list[str]:
    """Scores given without the scale they are on (`inspection_score` in `_dataset.yaml`)."""
    visits = raws.get("inspections")
    if visits is None or "score" not in visits or meta.inspection_score is not None:
        return []
    if (visits["score"].astype("string").str.strip().fillna("") == "").all():
        return []
    return [f"{origin['inspections']}: column score has values, but {META_FILE} declares no "
            "inspection_score (better: higher|lower, min, max)"]


def check_sources(
    location: str | Path, run_date: date | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, dict[str, str], DatasetMeta]:
    """Typed tables (all rows), every violation found, each table's origin, and what the
    folder's `_dataset.yaml` declares (the contracts are checked as it declares them).
    A date after `run_date` (default: today in the bureau's zone) breaks a rule.

    Raises SourceError on structural problems.
    """
    run_date = run_date or settings.bureau_today()
    meta, problems = read_meta_of(location)
    raws, origin, more = read_raw(location, meta)
    problems += more + undeclared_scores(raws, origin, meta)
    if problems:
        raise SourceError(problems)
    contracts = contracts_for(meta)
    tables: dict[str, pd.DataFrame] = {}
    found: list[pd.DataFrame] = []
    for table, (typed, violations) in check_tables(raws, contracts).items():
        tables[table] = typed
        found.append(violations.assign(table=table, file=origin[table]))
        found.append(future_violations(tables[table], contracts[table], run_date)
                     .assign(table=table, file=origin[table]))
    for table, violations in _reference_violations(tables).items():
        found.append(violations.assign(table=table, file=origin[table]))
    quarantine = pd.concat(found, ignore_index=True)[QUARANTINE_COLUMNS]
    quarantine["row"] = quarantine["row"].astype("int64")
    return tables, quarantine, origin, meta


def load_sources(location: str | Path, run_date: date | None = None) -> Sources:
    """The clean tables: rows breaking a rule (a date after `run_date` included) are set aside
    in `Sources.quarantine`."""
    tables, quarantine, origin, meta = check_sources(location, run_date)
    clean: dict[str, pd.DataFrame] = {}
    for table, frame in tables.items():
        bad = quarantine.loc[quarantine["table"] == table, "row"].unique()
        if not len(bad):
            clean[table] = frame  # nothing set aside: no copy
            continue
        keep = np.ones(len(frame), dtype=bool)
        keep[bad] = False
        clean[table] = frame[keep].reset_index(drop=True)
    return Sources(clean, quarantine, origin, meta)
