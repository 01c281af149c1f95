"""Whatever `validate` accepts, `features` builds: empty any nullable column (or all of them)
of a small generated world and of the Chicago slice; both cohort kinds must then build, unless
validate refused the tables (an emptied column another rule needs, e.g. a random visit's
inclusion probability)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from features.contracts import CONTRACTS
from features.dataset import build_cohort_dataset, build_dataset
from features.industries import INDUSTRY_KEYS
from features.simulate import SimulationSpec, simulate
from features.validation import validate
from tests.features.chicago_slice import DATA, write_slice

NULLABLE = tuple(sorted((table, c.name) for table, contract in CONTRACTS.items()
                        for c in contract.columns if c.nullable))
AS_OF = {"world": pd.Timestamp("2024-05-31"), "chicago": pd.Timestamp("2014-10-31")}
VISITS = {"world": (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30")),
          "chicago": (pd.Timestamp("2014-10-01"), pd.Timestamp("2014-12-31"))}
EXAMPLES = settings(max_examples=4, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "sources"
    simulate(SimulationSpec(300, date(2024, 1, 1), date(2024, 6, 30), 3), out)
    return out


@pytest.fixture(scope="module")
def chicago(tmp_path_factory) -> Path:
    if not DATA.is_dir():
        pytest.skip(f"no Chicago data at {DATA}")
    return write_slice(tmp_path_factory.mktemp("chicago") / "sources", licences=60)


def emptied(base: Path, columns: frozenset[tuple[str, str]], out: Path) -> Path:
    """A copy of `base` with each (table, column) of `columns` it has left empty."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(base, out)
    for table in {t for t, _ in columns}:
        path = out / f"{table}.parquet"
        frame = pd.read_parquet(path)
        for name in (c for t, c in columns if t == table and c in frame):
            frame[name] = None
        frame.to_parquet(path, index=False)
    return out


def features_or_refused(sources: Path, out: Path, which: str) -> None:
    """Build both cohort kinds from `sources` unless validate refuses them."""
    if not validate(sources).ok:
        return
    shutil.rmtree(out, ignore_errors=True)
    active = build_dataset(sources, out / "active", [AS_OF[which]], list(INDUSTRY_KEYS))
    assert sum(active["row_counts"].values()) > 0
    inspected = build_cohort_dataset(sources, out / "inspected", VISITS[which],
                                     list(INDUSTRY_KEYS))
    assert inspected["visits"] > 0


columns = st.sets(st.sampled_from(NULLABLE), min_size=1).map(frozenset)


@EXAMPLES
@given(columns)
@example(frozenset(NULLABLE))
@example(frozenset({("registrations", "legal_rep_id"), ("registrations", "address")}))
def test_a_small_world_with_empty_columns_builds_or_is_refused(world, tmp_path, columns):
    sources = emptied(world, columns, tmp_path / "sources")
    features_or_refused(sources, tmp_path / "features", "world")


@EXAMPLES
@given(columns)
@example(frozenset(NULLABLE))
@example(frozenset({("registrations", "legal_rep_id"), ("registrations", "address")}))
def test_the_chicago_slice_with_empty_columns_builds_or_is_refused(chicago, tmp_path, columns):
    sources = emptied(chicago, columns, tmp_path / "sources")
    features_or_refused(sources, tmp_path / "features", "chicago")


def test_an_empty_representative_and_address_column_is_accepted_and_built(world, tmp_path):
    """The reported case: validate accepts it, so features must build it (it once failed in
    hash_keys with an IndexError)."""
    sources = emptied(world, frozenset({("registrations", "legal_rep_id"),
                                        ("registrations", "address")}), tmp_path / "sources")
    assert validate(sources).ok
    features_or_refused(sources, tmp_path / "features", "world")
