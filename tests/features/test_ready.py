"""Prepared sources kept on disk: the same features as a fresh load, rebuilt when torn, and
never served for other files or a run date that sets other rows aside."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from features import kept
from features import ready as store
from features.build import build_as_of
from features.loading import FUTURE_RULE
from features.ready import ready_sources

AS_OF = pd.Timestamp("2024-10-01")
AFTER = date(2025, 3, 1)  # the tiny world ends 2024-12-31


def built(ready: store.Ready) -> dict[str, pd.DataFrame]:
    return build_as_of(ready.prep, AS_OF)


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The loads that were not served from the folder."""
    loads: list[str] = []
    real = store.fresh

    def fresh(location, run_date, fingerprint):
        loads.append(str(location))
        return real(location, run_date, fingerprint)

    monkeypatch.setattr(store, "fresh", fresh)
    return loads


def test_a_kept_entry_gives_the_features_of_a_fresh_load(tiny, tmp_path, counted):
    first = ready_sources(tiny, AFTER, tmp_path)
    again = ready_sources(tiny, AFTER, tmp_path)
    assert len(counted) == 1 and len(list(tmp_path.glob("batch-*.map"))) == 1
    assert not list(tmp_path.glob(".partial-*"))
    for industry, frame in built(first).items():
        assert_frame_equal(frame, built(again)[industry], check_exact=True)
    assert_frame_equal(first.names, again.names)
    assert again.fingerprint == first.fingerprint


def test_a_torn_entry_is_rebuilt(tiny, tmp_path, counted):
    ready_sources(tiny, AFTER, tmp_path)
    (entry,) = tmp_path.glob("batch-*.map")
    entry.write_bytes(entry.read_bytes()[:1000])  # the machine went down mid-write
    rebuilt = ready_sources(tiny, AFTER, tmp_path)
    assert len(counted) == 2 and len(rebuilt.names) > 0
    assert kept.read(entry, AFTER) is not None


def test_other_files_are_another_entry(tiny, tmp_path, counted):
    copy = Path(shutil.copytree(tiny, tmp_path / "copy"))
    ready_sources(copy, AFTER, tmp_path / "kept")
    penalties = pd.read_parquet(copy / "penalties.parquet")
    penalties.iloc[1:].to_parquet(copy / "penalties.parquet")
    assert len(ready_sources(copy, AFTER, tmp_path / "kept").prep.events["penalties"]["firm"]) \
        == len(penalties) - 1
    assert len(counted) == 2 and len(list((tmp_path / "kept").glob("batch-*.map"))) == 2


def test_the_run_date_counts_only_where_rows_are_dated_after_it(tiny, tmp_path, counted):
    ready_sources(tiny, AFTER, tmp_path / "a")
    ready_sources(tiny, date(2025, 6, 1), tmp_path / "a")  # nothing later: served
    assert len(counted) == 1
    early = date(2024, 6, 30)
    set_aside = ready_sources(tiny, early, tmp_path / "b")  # later rows set aside
    assert set_aside.quarantine["rule"].str.startswith(FUTURE_RULE).any()
    assert ready_sources(tiny, early, tmp_path / "b").prep.size == set_aside.prep.size
    assert len(counted) == 2
    ready_sources(tiny, AFTER, tmp_path / "b")  # those rows now count: not served
    assert len(counted) == 3
