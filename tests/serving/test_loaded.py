"""The sources a service reads, built once for all its workers: every worker maps one kept
entry (the same file, not a copy of it), and what it holds equals a load of its own."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from features import kept
from features.build import build_as_of
from features.loading import load_sources
from features.prepare import prepare
from serving.workspace import loaded

RUN_DATE = date(2025, 3, 1)  # the tiny world ends 2024-12-31


def mapped_inodes(path: Path) -> set[int]:
    """The inodes of this process's mappings of files named `path`, replaced ones too
    (/proc/self/maps: address perms offset device inode path, "(deleted)" once replaced)."""
    return {int(line.split()[4]) for line in Path("/proc/self/maps").read_text().splitlines()
            if line.removesuffix(" (deleted)").endswith(str(path.resolve()))}


def test_two_workers_map_one_entry_built_once(tiny, tmp_path, monkeypatch):
    from features import settings

    monkeypatch.setattr(settings, "PREPARED_DIR", tmp_path)
    found: list[loaded.Loaded] = []
    workers = [threading.Thread(target=lambda: found.append(loaded.load(str(tiny), RUN_DATE)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    first, second = found
    assert first.entry == second.entry and first.entry is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == [".building.lock", first.entry.name]
    assert len(mapped_inodes(first.entry)) == 1  # both map the one file built: no rebuild
    fresh = load_sources(tiny, RUN_DATE)
    for table, frame in fresh.tables.items():
        assert_frame_equal(second.sources.tables[table], frame)
    assert_frame_equal(second.prep.firms, prepare(fresh.tables, meta=fresh.meta).firms)


def test_feature_rows_are_the_batch_s_own(tiny, tmp_path, monkeypatch):
    from features import settings

    monkeypatch.setattr(settings, "PREPARED_DIR", tmp_path)
    sources = loaded.load(str(tiny), RUN_DATE)
    as_of = pd.Timestamp("2024-10-01")
    rows = loaded.frames(sources, as_of, ["food", "ecommerce"])
    again = loaded.frames(loaded.load(str(tiny), RUN_DATE), as_of, ["ecommerce", "food"])
    assert len(list(tmp_path.glob("frames-*.map"))) == 1  # the order asked in: one entry
    own = build_as_of(sources.prep, as_of, ["food", "ecommerce"])
    for industry, frame in own.items():
        assert_frame_equal(rows[industry], frame)
        assert_frame_equal(again[industry], frame)


def test_sources_kept_past_midnight_still_build_their_rows(tiny, tmp_path, monkeypatch):
    """A service loads its sources on one day and keeps them: rows for a new date asked for
    the next day come from the same load, even where rows dated after the first day were set
    aside (an entry of such sources serves only its own day)."""
    from features import settings

    monkeypatch.setattr(settings, "PREPARED_DIR", tmp_path)
    day = date(2024, 6, 1)  # inside the tiny world: its later rows are set aside
    sources = loaded.load(str(tiny), day)
    assert kept.dated_after(sources.sources.quarantine)
    monkeypatch.setattr(settings, "bureau_today", lambda: date(2024, 6, 2))
    rows = loaded.frames(sources, pd.Timestamp("2024-05-01"), ["food"])
    own = build_as_of(sources.prep, pd.Timestamp("2024-05-01"), ["food"])
    assert_frame_equal(rows["food"].reset_index(drop=True), own["food"])


def test_a_worker_starts_without_the_report_and_solver_libraries():
    """Every service worker imports the service; matplotlib (the monthly PDF) and OR-Tools
    (plans) are loaded by the first report or plan instead, 54 MB of each worker's own memory
    at start."""
    code = ("import sys, serving.api.service; "
            "print(sorted(m for m in ('matplotlib', 'ortools') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    assert out.stdout.strip() == "[]"
