"""Kept entries: each kind keeps its newest `KEEP`, the format before is cleared away, and a
builder that dies is a clear error naming the entry, not a hang or a bare pool error."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

from features import kept

DAY = date(2025, 3, 1)


def test_each_kind_keeps_its_newest_and_the_old_format_goes(tmp_path):
    (tmp_path / "0123abcd.pkl").write_bytes(b"an entry of the format before")
    for n in range(kept.KEEP + 2):
        kept.write(tmp_path / f"batch-{n}.map", n, DAY, later=False)
        time.sleep(0.01)  # distinct modification times
    kept.write(tmp_path / "service-0.map", "other kind", DAY, later=False)
    newest = [f"batch-{n}.map" for n in range(2, kept.KEEP + 2)]
    assert sorted(p.name for p in tmp_path.glob("*.map")) == sorted([*newest, "service-0.map"])
    assert not list(tmp_path.glob("*.pkl"))
    assert kept.read(tmp_path / newest[-1], DAY) == kept.KEEP + 1


def test_a_builder_that_dies_is_an_error_naming_the_entry(tmp_path):
    path = tmp_path / "service-x.map"
    with pytest.raises(RuntimeError, match=r"service-x\.map: the process building it ended"):
        kept.built_apart(path, DAY, os._exit, 9)  # the builder's process ends at once
    assert not path.exists()
    assert kept.built_apart(path, DAY, divmod, 7, 2) == 3  # (3, 1): built, then mapped
