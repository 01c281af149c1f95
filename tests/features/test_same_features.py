"""Speed changes leave the features exactly as they were: however the sources are chunked,
and firm ids equal a plain lookup of each code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas.testing import assert_frame_equal

from features.build import build_as_of
from features.firm_state import firm_ids
from features.loading import load_sources
from features.prepare import prepare

AS_OF = pd.Timestamp("2024-10-01")


def rechunked(sources: Path, out: Path, rows: int) -> Path:
    """The same tables, written in row groups of `rows` rows (read back in many chunks)."""
    out.mkdir()
    for path in sources.iterdir():
        if path.suffix == ".parquet":
            pq.write_table(pq.read_table(path), out / path.name, row_group_size=rows)
        elif path.is_file():
            (out / path.name).write_bytes(path.read_bytes())
    return out


def features_of(sources: Path) -> dict[str, pd.DataFrame]:
    loaded = load_sources(sources)
    return build_as_of(prepare(loaded.tables, meta=loaded.meta), AS_OF)


def test_features_do_not_depend_on_how_the_sources_are_chunked(tiny, tmp_path):
    whole = features_of(tiny)
    pieces = features_of(rechunked(tiny, tmp_path / "pieces", rows=97))
    assert whole.keys() == pieces.keys()
    for industry, frame in whole.items():
        assert len(frame)
        assert_frame_equal(frame, pieces[industry], check_exact=True)


def test_firm_ids_are_each_codes_first_row_in_the_register():
    register = pd.DataFrame({"uscc": ["A", "B", "A", "C"]})
    parts = pa.chunked_array([["C", "X"], [None, "A"]])
    chunked = pd.Series(pd.arrays.ArrowStringArray(parts))
    plain = pd.Series(["B", "B", "Z"], dtype=object)
    first = {"A": 0, "B": 1, "C": 3}
    got = firm_ids(register, chunked, plain, pd.Series([], dtype="str"))
    assert [g.tolist() for g in got] == [
        [first.get(c, -1) for c in ["C", "X", "", "A"]], [1, 1, -1], []]
    assert all(g.dtype == np.int64 for g in got)
