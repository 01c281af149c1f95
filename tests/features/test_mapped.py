"""Mapped-object files: the same object back, its arrays views of the file (not copies),
writes kept in the process, and a failed or torn write never taken for a whole one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from features import mapped


def a_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "code": pd.array(["a", None, "丙"], dtype="str"),
        "day": pd.to_datetime(["2024-01-01", None, "2024-03-01"]).astype("datetime64[s]"),
        "count": pd.array([1, None, 3], dtype="Int64"),
        "flag": pd.array([True, None, False], dtype="boolean"),
        "share": [0.5, np.nan, 1.5],
        "kind": pd.Categorical(["x", "y", "x"]),
    })


def mapped_ranges(path: Path) -> list[tuple[int, int]]:
    """The address ranges of this process's mappings of `path` (/proc/self/maps)."""
    found = []
    for line in Path("/proc/self/maps").read_text().splitlines():
        if line.endswith(str(path.resolve())):
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            found.append((start, end))
    return found


def test_an_object_comes_back_the_same(tmp_path):
    frame, arrays = a_frame(), {"firm": np.arange(10_000), "empty": np.array([], dtype=float)}
    mapped.write({"frame": frame, "arrays": arrays, "note": "原样"}, tmp_path / "x.map")
    back = mapped.read(tmp_path / "x.map")
    assert_frame_equal(back["frame"], frame)
    np.testing.assert_array_equal(back["arrays"]["firm"], arrays["firm"])
    assert back["arrays"]["empty"].shape == (0,) and back["note"] == "原样"


def test_arrays_are_views_of_the_file_and_writes_stay_in_the_process(tmp_path):
    path = tmp_path / "x.map"
    days = pd.Series(np.arange(100_000).astype("datetime64[D]")).astype("datetime64[s]")
    mapped.write({"firm": np.arange(1_000_000), "day": days}, path)
    back = mapped.read(path)
    firm = back["firm"]
    for values in (firm, back["day"].to_numpy()):  # dates too (NumPy keeps them in band)
        address = values.__array_interface__["data"][0]
        assert any(start <= address < end for start, end in mapped_ranges(path))
    assert_series_equal(back["day"], days)
    assert firm.flags.writeable
    firm[:10] = -1  # copy-on-write: this process's page only
    assert (mapped.read(path)["firm"][:10] == np.arange(10)).all()


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "x.map"
    mapped.write([1, 2], path)
    with pytest.raises(Exception):  # noqa: B017 - pickle's own error for a lambda
        mapped.write(lambda: None, path)

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mapped.os, "fsync", full_disk)  # after the side file is written
    with pytest.raises(OSError, match="No space"):
        mapped.write([3, 4], path)
    assert mapped.read(path) == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.map"]  # no side file left


def test_a_killed_writer_s_side_file_is_swept_and_a_live_one_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = tmp_path / f"{mapped.PARTIAL}{ended.stdout.strip()}-abc"
    live = tmp_path / f"{mapped.PARTIAL}{os.getpid()}-def"
    for side in (dead, live):
        side.write_bytes(b"half")
    mapped.sweep(tmp_path)
    assert not dead.exists() and live.exists()


@pytest.mark.parametrize("keep", [0, 10, 30, -1])
def test_a_torn_file_is_refused(tmp_path, keep):
    path = tmp_path / "x.map"
    mapped.write({"firm": np.arange(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data + b"\0")
    with pytest.raises(mapped.NotMapped):
        mapped.read(path)
