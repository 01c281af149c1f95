"""The Dask engine gives the pandas engine's features, value for value."""

from datetime import date

import pandas as pd
import pytest

from features.dask_engine import build_dataset_dask
from features.dataset import build_dataset
from features.simulate import SimulationSpec, simulate

DATES = [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-09-30")]
INDUSTRIES = ["food", "ecommerce", "quasi_financial"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    out = tmp_path_factory.mktemp("dask") / "sources"
    simulate(SimulationSpec(4000, date(2023, 1, 1), date(2024, 12, 31), 21), out)
    return out


def _read(folder):
    frame = pd.read_parquet(folder)
    frame["industry"] = frame["industry"].astype(str)
    frame["as_of"] = frame["as_of"].astype(str)
    for col in frame.columns:
        if frame[col].dtype == object or str(frame[col].dtype).startswith("string"):
            frame[col] = frame[col].astype(str)
    return frame.sort_values(["industry", "as_of", "uscc"]).reset_index(drop=True)


def test_dask_and_pandas_engines_give_equal_features(sources, tmp_path):
    build_dataset(sources, tmp_path / "pandas", DATES, INDUSTRIES)
    manifest = build_dataset_dask(sources, tmp_path / "dask", DATES, INDUSTRIES, partitions=3)
    expected, got = _read(tmp_path / "pandas"), _read(tmp_path / "dask")
    assert len(expected) > 1000
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert manifest["engine"] == "dask"
    assert manifest["row_counts"] == {k: int((expected["industry"] == k).sum())
                                      for k in sorted(INDUSTRIES)}
    assert len(list((tmp_path / "dask" / "industry=food" / "as_of=2024-03-31").glob("*.parquet"))) == 3
