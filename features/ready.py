"""Sources loaded, checked and prepared once, and kept on disk keyed on their fingerprint.

Loading and preparing a city takes most of a nightly run and gives the same result for the same
files, `_dataset.yaml`, code and run date, so `riskwarn score` and `riskwarn features` keep it:
one pickle per key under `settings.PREPARED_DIR` (the newest `KEEP`). A folder only: a
database's fingerprint is its address, not its contents. An entry is written to a side file and
renamed into place, so a crash leaves the entries as they were; one that cannot be read is
rebuilt. The run's date matters only where a row is dated after it (quarantined): an entry
without such rows serves any later run date.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from features import settings
from features.loading import FUTURE_RULE, load_sources
from features.metadata import META_FILE, DatasetMeta
from features.prepare import Prepared, prepare

FORMAT = "1"  # the layout of an entry; a change of any features/*.py changes the key too
KEEP = 2
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


def serves(header: dict[str, object], run_date: date) -> bool:
    """Whether an entry made on `header["run_date"]` holds what a load on `run_date` gives."""
    made = header.get("run_date")
    if not isinstance(made, date):
        return False
    return made == run_date or (header.get("nothing_later") is True and run_date >= made)


def read_entry(path: Path, run_date: date) -> Ready | None:
    try:
        with path.open("rb") as handle:
            header = pickle.load(handle)
            if not isinstance(header, dict) or not serves(header, run_date):
                return None
            ready = pickle.load(handle)
    except Exception:  # missing, torn or outdated: a miss, rebuilt
        return None
    return ready if isinstance(ready, Ready) else None


def write_entry(folder: Path, key: str, ready: Ready, run_date: date) -> None:
    """Write to a side file, rename into place, then drop all but the newest `KEEP`."""
    folder.mkdir(parents=True, exist_ok=True)
    later = ready.quarantine["rule"].astype("string").str.startswith(FUTURE_RULE).any()
    header = {"run_date": run_date, "nothing_later": not bool(later)}
    descriptor, side = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(ready, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(side, folder / f"{key}.pkl")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(side)
    entries = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


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
    key = entry_key(location, fingerprint)
    ready = read_entry(folder / f"{key}.pkl", run_date)
    if ready is None:
        ready = fresh(location, run_date, fingerprint)
        write_entry(folder, key, ready, run_date)
    return ready
