"""Entries kept on disk under a key of their sources, built once and mapped by every reader.

An entry is one mapped-object file (`features.mapped`), `<kind>-<key>.map`, holding the date
of the run it was made for, whether its sources had rows dated after that date, and the
object. Readers map it, so processes reading one entry share its memory. An entry is written to
a side file and renamed into place, so a crash leaves the entries as they were (and the next
write removes a killed writer's side file); one that cannot be read is rebuilt; each kind
keeps its newest `KEEP` (a process still mapping one that is removed keeps reading it).

The run's date matters only where a row is dated after it (set aside by `load_sources`): an
entry made without such rows serves any later run date.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from features import mapped
from features.loading import FUTURE_RULE

KEEP = 2
LOCK = ".building.lock"  # held while an entry is built: a second builder waits, then maps


def dated_after(quarantine: pd.DataFrame) -> bool:
    """Whether rows were set aside for a date after the run's (`load_sources`' quarantine)."""
    return bool(quarantine["rule"].astype("string").str.startswith(FUTURE_RULE).any())


def serves(header: dict[str, object], run_date: date) -> bool:
    """Whether an entry made on `header["run_date"]` holds what a load on `run_date` gives."""
    made = header.get("run_date")
    if not isinstance(made, date):
        return False
    return made == run_date or (header.get("nothing_later") is True and run_date >= made)


def read(path: Path, run_date: date) -> Any | None:
    """The entry's object, or None: missing, torn, outdated, or made for another date."""
    try:
        header, obj = mapped.read(path)
    except Exception:  # missing, torn or from older code: a miss, rebuilt
        return None
    return obj if isinstance(header, dict) and serves(header, run_date) else None


def write(path: Path, obj: Any, run_date: date, later: bool) -> None:
    """`obj` as the entry at `path` (`later`: its sources had rows dated after `run_date`),
    then all but the newest `KEEP` entries of its kind removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mapped.sweep(path.parent)
    mapped.write(({"run_date": run_date, "nothing_later": not later}, obj), path)
    kind = path.name.split("-", 1)[0]
    entries = sorted(path.parent.glob(f"{kind}-*.map"), key=_modified, reverse=True)
    # and the pickles of the format before this one (`<key>.pkl`), which nothing reads now
    for old in [*entries[KEEP:], *path.parent.glob("*.pkl")]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


def _modified(path: Path) -> float:
    """When `path` was written; 0 when another writer has just removed it."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


Build = Callable[..., tuple[Any, bool]]  # (*args) -> (the object, rows dated after the run)


def _build_and_write(build: Build, args: tuple[Any, ...], path: Path, run_date: date) -> None:
    obj, later = build(*args)
    write(path, obj, run_date, later)


def built_apart(path: Path, run_date: date, build: Build, *args: Any) -> Any:
    """The entry at `path`; where there is none, `build(*args)` first, in a process of its
    own: what building leaves in a process's heap (at city scale over a GB of glibc's and
    Arrow's freed memory) goes back to the system with it, and the caller holds only the
    mapped entry. Two callers needing the same entry: one builds, the other waits for it."""
    found = read(path, run_date)
    if found is not None:
        return found
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes or the process ends
        found = read(path, run_date)  # built while this one waited
        if found is not None:
            return found
        spawn = multiprocessing.get_context("spawn")  # a fork would copy the caller's state
        try:
            with ProcessPoolExecutor(1, mp_context=spawn) as apart:
                apart.submit(_build_and_write, build, args, path, run_date).result()
        except BrokenProcessPool as exc:  # killed (out of memory, say): name what it built
            raise RuntimeError(f"{path}: the process building it ended before it was "
                               "written") from exc
        try:  # still holding the lock: no other run date's build replaces it meanwhile
            header, found = mapped.read(path)
        except Exception as exc:
            raise RuntimeError(f"{path}: built, but cannot be read back ({exc})") from exc
    if not serves(header, run_date):
        raise RuntimeError(f"{path}: built, but not for the run date {run_date}")
    return found
