"""The feature dataset on disk: `FEATURES/industry=<key>/as_of=<YYYY-MM-DD>/` plus a manifest.

Each partition is written to a side folder and renamed into place, so a crash leaves the
previous partitions as they were; `_manifest.json` is replaced whole, last.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.build import FEATURE_SET_VERSION, build_as_of, feature_columns
from features.cohorts import CohortLabel, cohort_features, inspection_cohort, visit_label
from features.industries import config_hash
from features.loading import Sources, load_sources
from features.prepare import prepare
from features.ready import Ready, ready_sources, source_fingerprint
from features.refusals import DatasetKindError

__all__ = ["DatasetKindError", "build_cohort_dataset", "build_dataset"]

MANIFEST = "_manifest.json"
QUARANTINE = "_quarantine.csv"


def ensure_kind(out: Path, cohort: str, label: str | None = None) -> None:
    """Refuse to add partitions of one cohort (and visit label) to a folder holding another:
    the manifest would describe both as one."""
    path = out / MANIFEST
    if not path.exists():
        return
    manifest = json.loads(path.read_text("utf-8"))
    held = (manifest.get("cohort", "active"), manifest.get("label"))
    if held != (cohort, label):
        shown = held[0] + (f" (label {held[1]})" if held[1] else "")
        raise DatasetKindError(
            f"{out}: holds the {shown} cohort; write the {cohort} cohort"
            f"{f' (label {label})' if label else ''} to another folder")


def as_of_dates(as_of: Sequence[str], monthly: tuple[str, str] | None) -> list[pd.Timestamp]:
    """The as-of dates asked for: each `--as-of`, and every month-end from FROM to TO."""
    dates = [pd.Timestamp(d).normalize() for d in as_of]
    if monthly:
        dates += list(pd.date_range(monthly[0], monthly[1], freq="ME"))
    return sorted(set(dates))


def partition_dir(out: Path, industry: str, as_of: pd.Timestamp) -> Path:
    return out / f"industry={industry}" / f"as_of={as_of:%Y-%m-%d}"


def replace_dir(side: Path, final: Path) -> None:
    """Move a finished side folder into place, replacing what was there."""
    old = final.with_name("." + final.name + ".old")
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    side.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def write_partition(out: Path, industry: str, as_of: pd.Timestamp,
                    frame: pd.DataFrame | pa.Table) -> None:
    final = partition_dir(out, industry, as_of)
    side = final.with_name("." + final.name + ".partial")
    shutil.rmtree(side, ignore_errors=True)
    side.mkdir(parents=True)
    if isinstance(frame, pa.Table):
        pq.write_table(frame, side / "part-0.parquet")
    else:
        frame.to_parquet(side / "part-0.parquet", index=False)
    replace_dir(side, final)


def partition_summary(frame: pd.DataFrame) -> dict[str, int]:
    return {"rows": len(frame), "positives": int(frame["label"].sum()),
            "labelled": int(frame["label"].notna().sum()),
            "random_labelled": int(frame["label_random"].notna().sum())}


def write_manifest(out: Path, sources: str | Path, columns: list[str],
                   new: dict[tuple[str, str], dict[str, Any]], data_end: pd.Timestamp,
                   match: dict[str, float], quarantined: int | None,
                   seconds: dict[str, float], engine: str = "pandas",
                   fingerprint: str | None = None,
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge the new partitions into `_manifest.json` and replace it whole."""
    path = out / MANIFEST
    old = json.loads(path.read_text("utf-8")) if path.exists() else {}
    partitions: dict[tuple[str, str], dict[str, Any]] = {
        (p["industry"], p["as_of"]): p for p in old.get("partitions", [])}
    partitions.update(new)
    manifest = {
        "feature_set_version": FEATURE_SET_VERSION,
        "feature_columns": columns,
        "engine": engine,
        "sources": str(sources),
        "source_fingerprint": fingerprint or source_fingerprint(sources),
        "config_hash": config_hash(),
        "data_end": f"{data_end:%Y-%m-%d}",
        "complaint_matching": match,
        "quarantined_rows": quarantined,
        "partitions": sorted(partitions.values(), key=lambda p: (p["industry"], p["as_of"])),
        "row_counts": {ind: sum(p["rows"] for p in partitions.values() if p["industry"] == ind)
                       for ind in sorted({p["industry"] for p in partitions.values()})},
        "seconds": seconds,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    side = path.with_name(path.name + ".partial")
    side.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), "utf-8")
    os.replace(side, path)
    return manifest


def build_dataset(sources: str | Path, out: Path, dates: Sequence[pd.Timestamp],
                  industries: Sequence[str], step: Callable[[], None] | None = None,
                  loaded: Sources | None = None, fingerprint: str | None = None
                  ) -> dict[str, Any]:
    """Build and write every (industry, as-of) partition; return the manifest.

    `fingerprint` names the data when `loaded` holds more than the files at `sources` (the
    retraining run adds the outcomes recorded through the service)."""
    ensure_kind(out, "active")
    started = time.perf_counter()
    ready = ready_sources(sources) if loaded is None else Ready(
        prepare(loaded.tables, meta=loaded.meta), loaded["registrations"][["uscc", "name"]],
        loaded.quarantine, loaded.meta, fingerprint or source_fingerprint(sources))
    prep = ready.prep
    prepared_at = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    if not ready.quarantine.empty:
        ready.quarantine.to_csv(out / QUARANTINE, index=False)
    summaries: dict[tuple[str, str], dict[str, Any]] = {}
    columns: list[str] = []
    for as_of in dates:
        for industry, frame in build_as_of(prep, as_of, industries).items():
            write_partition(out, industry, as_of, frame)
            columns = feature_columns(frame)
            summaries[(industry, f"{as_of:%Y-%m-%d}")] = {
                "industry": industry, "as_of": f"{as_of:%Y-%m-%d}", **partition_summary(frame)}
            if step:
                step()
    quarantined = int(ready.quarantine[["table", "row"]].drop_duplicates().shape[0])
    seconds = {"load_and_prepare": round(prepared_at - started, 2),
               "total": round(time.perf_counter() - started, 2)}
    return write_manifest(out, sources, columns, summaries, prep.data_end, prep.match,
                          quarantined, seconds, fingerprint=ready.fingerprint,
                          extra={"districts": ready.meta.area_districts})


def cohort_visits(loaded: Sources, bounds: tuple[pd.Timestamp, pd.Timestamp] | None
                  ) -> pd.DataFrame:
    """The visits a cohort is built from: all of them, or those from the first to the last
    day of `bounds`, both included."""
    visits = loaded["inspections"]
    if bounds:
        on = visits["inspected_on"]
        visits = visits.loc[(on >= bounds[0]) & (on <= bounds[1])]
    return visits


def write_cohort(out: Path, cohort: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """One partition per industry and visit date (the rows converted to Arrow once, each
    partition a slice), and each partition's summary."""
    cohort = cohort.sort_values(["industry", "inspected_on"], kind="stable")
    table = pa.Table.from_pandas(cohort.drop(columns=["industry", "inspected_on"]),
                                 preserve_index=False)
    keys = cohort[["industry", "inspected_on"]].reset_index(drop=True)
    starts = np.flatnonzero(~keys.duplicated().to_numpy())
    stops = np.r_[starts[1:], len(keys)]
    summaries: dict[tuple[str, str], dict[str, Any]] = {}
    label = cohort[["label", "label_random"]].reset_index(drop=True)
    # thousands of small files: Arrow writes them without the GIL, so two at a time per core
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        writes = []
        for lo, hi in zip(starts, stops, strict=True):
            industry = str(keys.at[lo, "industry"])
            as_of = pd.Timestamp(str(keys.at[lo, "inspected_on"]))
            writes.append(pool.submit(write_partition, out, industry, as_of,
                                      table.slice(lo, hi - lo)))
            summaries[(industry, f"{as_of:%Y-%m-%d}")] = {
                "industry": industry, "as_of": f"{as_of:%Y-%m-%d}", "cohort": "inspected",
                "visits": int(hi - lo), **partition_summary(label.iloc[lo:hi])}
        for write in writes:
            write.result()  # the first failure is raised here
    return summaries


def build_cohort_dataset(sources: str | Path, out: Path,
                         bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
                         industries: Sequence[str], label: CohortLabel = "violation",
                         step: Callable[[], None] | None = None,
                         loaded: Sources | None = None,
                         report: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The inspection-outcome cohort (one row per visit, features as of its date, the
    visit's outcome as `label`), written one partition per industry and visit date. The
    inspectors' records count every visit on record, not only those in `bounds`. `step` is
    called once per distinct visit date, `report` with one line per stage (also when the
    output is not a terminal)."""
    ensure_kind(out, "inspected", "".join(label.split()) if isinstance(label, str) else label.text)
    started = time.perf_counter()
    loaded = loaded or load_sources(sources)
    parsed = visit_label(label, loaded.meta, loaded["inspections"])  # refused: LabelError
    prep = prepare(loaded.tables, meta=loaded.meta)
    if report:
        report(f"sources loaded and prepared: {time.perf_counter() - started:.1f} s")
    visits = cohort_visits(loaded, bounds)
    cohort = inspection_cohort(prep, visits, parsed, industries, step,
                               history=loaded["inspections"], report=report)
    written = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    summaries = write_cohort(out, cohort)
    if report:
        report(f"{len(summaries):,} partitions written: {time.perf_counter() - written:.1f} s")
    quarantined = int(loaded.quarantine[["table", "row"]].drop_duplicates().shape[0])
    seconds = {"total": round(time.perf_counter() - started, 2)}
    extra = {"cohort": "inspected", "label": parsed.text, "label_rule": parsed.rule,
             "visits": len(visits), "visits_kept": len(cohort),
             "districts": loaded.meta.area_districts}
    return write_manifest(out, sources, cohort_features(cohort), summaries, prep.data_end,
                          prep.match, quarantined, seconds, extra=extra)
