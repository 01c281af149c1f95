"""The sources a service reads (`/firm`, plans, `fresh` scores): loaded, prepared and turned
into every active firm's feature rows once for all its workers.

Each worker used to load and prepare the sources and build the feature rows itself: at city
scale ~1.4 GB of tables and arrays, plus ~1.4 GB that building left in its heap, per worker.
Now the first worker to need them builds them in a process of its own and keeps them as
entries under `settings.PREPARED_DIR` (`features.kept`), and every worker maps those entries:
their pages are held once, however many workers read them. A database's contents have no
fingerprint (`features.ready`), so a worker loads a database's tables itself, in process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from features import kept, settings
from features.build import build_as_of
from features.loading import Sources, load_sources
from features.prepare import Prepared, prepare
from features.ready import entry_key, source_fingerprint


@dataclass
class Loaded:
    sources: Sources
    prep: Prepared
    location: str
    run_date: date  # rows dated after it are set aside
    entry: Path | None = None  # the kept entry it is mapped from (None: a database's)


# this module's code in the entries' key beside the features code `entry_key` hashes: a
# change here is not served from an older entry
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _is_folder(location: str) -> bool:
    return "://" not in location and Path(location).is_dir()


def build_sources(location: str, run_date: date) -> tuple[tuple[Sources, Prepared], bool]:
    """The sources (rows dated after `run_date` set aside) and their prepared arrays."""
    sources = load_sources(location, run_date)
    return (sources, prepare(sources.tables, meta=sources.meta)), kept.dated_after(
        sources.quarantine)


def load(location: str, run_date: date | None = None) -> Loaded:
    """The sources at `location` as a load on `run_date` (default today) gives them."""
    run_date = run_date or settings.bureau_today()
    if not _is_folder(location):
        (sources, prep), _ = build_sources(location, run_date)
        return Loaded(sources, prep, location, run_date)
    key = entry_key(location, f"{source_fingerprint(location)}\0{_CODE}")
    entry = settings.PREPARED_DIR / f"service-{key}.map"
    sources, prep = kept.built_apart(entry, run_date, build_sources, location, run_date)
    return Loaded(sources, prep, location, run_date, entry)


def build_frames(entry: Path, run_date: date, as_of: pd.Timestamp, industries: list[str]
                 ) -> tuple[dict[str, pd.DataFrame], bool]:
    """Every active firm's feature rows on `as_of` per industry, from the sources kept at
    `entry`."""
    found = kept.read(entry, run_date)
    if found is None:
        raise RuntimeError(f"{entry}: the sources' entry went away before their rows were built")
    sources, prep = found
    return build_as_of(prep, as_of, industries), kept.dated_after(sources.quarantine)


def frames(loaded: Loaded, as_of: pd.Timestamp, industries: Sequence[str]
           ) -> dict[str, pd.DataFrame]:
    """`build_frames` for these sources, as loaded on their run date (a service that keeps
    its sources past midnight builds from the same rows): kept beside their entry and mapped,
    like it."""
    if loaded.entry is None:
        return build_as_of(loaded.prep, as_of, list(industries))
    digest = hashlib.sha256(f"{loaded.entry.name}\0{as_of:%Y-%m-%d}\0".encode())
    digest.update("\0".join(sorted(industries)).encode())
    entry = loaded.entry.with_name(f"frames-{digest.hexdigest()}.map")
    return kept.built_apart(entry, loaded.run_date, build_frames, loaded.entry,
                            loaded.run_date, as_of, sorted(industries))
