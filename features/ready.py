"""Sources loaded, checked and prepared once, and kept on disk keyed on their fingerprint.

Loading and preparing a city takes most of a nightly run and gives the same result for the same
files, `_dataset.yaml`, code and run date, so `riskwarn score` and `riskwarn features` keep it
as an entry under `settings.PREPARED_DIR` (`features.kept`: written whole or not at all, read
memory-mapped, served to a later run date where no row is dated after the one it was made for).
A folder only: a database's fingerprint is its address, not its contents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from features import kept, settings
from features.loading import load_sources
from features.metadata import META_FILE, DatasetMeta
from features.prepare import Prepared, prepare

FORMAT = "2"  # the layout of an entry; a change of any features/*.py changes the key too
_CODE = Path(__file__).resolve().parent


@dataclass
class Ready:
    """What a run needs of its sources: the prepared arrays, every registration's credit
    code and name (row = firm id), the rows set aside, the data set's declarations."""

    prep: Prepared
    names: pd.DataFrame
    quarantine: pd.DataFrame
    meta: DatasetMeta
    fingerprint: str


def source_fingerprint(location: str | Path) -> str:
    """SHA-256 over the source files' names and bytes (or, for a database, its URL)."""
    digest = hashlib.sha256()
    path = Path(str(location))
    if "://" in str(location) or not path.is_dir():
        digest.update(str(location).encode())
        return digest.hexdigest()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path)
        if any(part.startswith(("_", ".")) for part in rel.parts):
            continue
        digest.update(str(rel).encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def entry_key(location: str | Path, fingerprint: str) -> str:
    """The sources' fingerprint, their `_dataset.yaml`, and the code that loads and prepares."""
    digest = hashlib.sha256(f"{FORMAT}\0{fingerprint}\0".encode())
    declared = Path(str(location)) / META_FILE
    digest.update(declared.read_bytes() if declared.is_file() else b"")
    for file in sorted([*_CODE.glob("*.py"), *_CODE.glob("*.yaml")]):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def fresh(location: str | Path, run_date: date, fingerprint: str) -> Ready:
    loaded = load_sources(location, run_date)
    names = loaded["registrations"][["uscc", "name"]].reset_index(drop=True)
    return Ready(prepare(loaded.tables, meta=loaded.meta), names, loaded.quarantine,
                 loaded.meta, fingerprint)


def ready_sources(location: str | Path, run_date: date | None = None,
                  cache: Path | None = None) -> Ready:
    """The sources at `location` loaded (rows dated after `run_date`, default today, set
    aside) and prepared; kept in and taken from `cache` (default `settings.PREPARED_DIR`)
    when `location` is a folder."""
    run_date = run_date or settings.bureau_today()
    fingerprint = source_fingerprint(location)
    folder = cache or settings.PREPARED_DIR
    if "://" in str(location) or not Path(str(location)).is_dir():
        return fresh(location, run_date, fingerprint)
    path = folder / f"batch-{entry_key(location, fingerprint)}.map"
    ready = kept.read(path, run_date)
    if ready is None:
        ready = fresh(location, run_date, fingerprint)
        kept.write(path, ready, run_date, kept.dated_after(ready.quarantine))
    return ready
