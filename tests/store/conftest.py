"""Every store test runs twice: on a SQLite file and on a fresh PostgreSQL database.

The PostgreSQL case is skipped only when no server answers at PG_SERVER within two seconds.
Each test module gets its own database (`riskwarn_test_<random>`) and each test a fresh schema
in it, so parallel runs never collide.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, exc
from sqlalchemy.pool import NullPool

from features.towns import TOWN_CODES
from serving.store.columns import dump_json
from serving.store.database import close_databases, open_database

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
INDUSTRIES = ("food", "ecommerce", "quasi_financial")


@functools.cache
def _pg_admin() -> Engine | None:
    """An AUTOCOMMIT engine on the `test` database, or None when no server answers."""
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return engine
    except exc.OperationalError:
        return None


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test module, dropped at its end; None if no server."""
    admin = _pg_admin()
    if admin is None:
        yield None
        return
    name = f"riskwarn_test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        close_databases()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path, pg_database: str | None) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh schema in the module's
    PostgreSQL database (first on the search path, so everything is created there)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'riskwarn.db'}"
        close_databases()
        return
    if pg_database is None:
        pytest.skip(f"no PostgreSQL server answers at {PG_SERVER}")
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        close_databases()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def engine(url: str) -> Engine:
    """The database at `url`, upgraded to the latest migration."""
    return open_database(url)


def warning_frame(n: int, *, seed: int = 0, as_of: date = date(2025, 6, 30),
                  model_version: str = "3") -> pd.DataFrame:
    """`n` firms' warnings spread over the industries and towns, with reasons (JSON text, as
    the batch writes them) on every third."""
    rng = np.random.default_rng(seed)
    reason = dump_json([{"code": "penalties_365d", "text_zh": "近一年行政处罚 2 次",
                         "value": 2.0}])
    reasons = [reason if i % 3 == 0 else None for i in range(n)]
    return pd.DataFrame({
        "uscc": [f"91441900{i:010d}" for i in range(n)],
        "name": [f"东莞市样本{i}有限公司" for i in range(n)],
        "industry": rng.choice(INDUSTRIES, n),
        "town_code": rng.choice(TOWN_CODES[:6], n),
        "as_of": pd.Timestamp(as_of),
        "probability": rng.random(n).round(4),
        "tier": rng.choice(list("ABCD"), n),
        "reasons": reasons,
        "model_version": model_version,
    })


@pytest.fixture
def make_warnings() -> Callable[..., pd.DataFrame]:
    return warning_frame
