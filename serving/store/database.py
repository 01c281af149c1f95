"""Opening the warnings database: one Engine per URL per process, upgraded to the latest migration.

Every command that touches the database first upgrades it to the latest migration, so a new
database needs no extra step. SQLite (the default, under `settings.DATA_DIR`) runs in WAL mode
with foreign keys on; PostgreSQL is used when `RISKWARN_DATABASE_URL` names it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL

from features import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CACHE_KIB = 32 * 1024  # per connection: bulk writes update the key and 2 indexes
# while a run's warnings are written: their firm-first key puts each row in another page, and
# a bigger cache writes each page once (a database holding 8 city runs: 14.5 → 11.8 s)
BULK_CACHE_KIB = 256 * 1024
# busy_timeout first: switching a new file to WAL takes a lock that other processes may hold
_SQLITE_PRAGMAS = ("PRAGMA busy_timeout=30000", "PRAGMA journal_mode=WAL",
                   "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                   f"PRAGMA cache_size=-{CACHE_KIB}")
_PG_CONNECT_TIMEOUT = 10  # seconds, unless the URL sets connect_timeout
_MIGRATION_LOCK = 0x7269736B  # PostgreSQL advisory lock key ("risk") held while upgrading

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded; the message names it (password masked)."""


def database_url() -> str:
    """`RISKWARN_DATABASE_URL` if set, else the SQLite file `riskwarn.db` under DATA_DIR."""
    default = f"sqlite:///{settings.DATA_DIR / 'riskwarn.db'}"
    return os.environ.get("RISKWARN_DATABASE_URL") or default


def masked(url: str | URL) -> str:
    """The URL with any password replaced by ***, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable database URL>"


def open_database(url: str | None = None) -> Engine:
    """The Engine for `url` (default `database_url()`), upgraded to the latest migration once."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            try:
                _upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
            _engines[url] = engine
    return engine


def close_databases() -> None:
    """Dispose of every cached Engine (tests and shutdown); the next open upgrades again."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def make_engine(url: str | URL) -> Engine:
    """An Engine with riskwarn's connection settings, not upgraded (see `open_database`)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise DatabaseError(f"not a database URL: {masked(url)}") from error
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        _create_parent_folder(parsed)
    elif parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT
    engine = create_engine(parsed, connect_args=connect_args)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def alembic_config(url: str | URL) -> Config:
    """An Alembic Config for the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url_text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url_text.replace("%", "%%"))
    return config


def _upgrade(engine: Engine) -> None:
    """Upgrade to head in one transaction, serialised between processes."""
    config = alembic_config(engine.url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":  # take the write lock before reading versions
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
    except (exc.OperationalError, exc.InterfaceError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if engine.url.password:
            reason = reason.replace(str(engine.url.password), "***")
        message = f"cannot open or upgrade the database {masked(engine.url)}: {reason}"
        raise DatabaseError(message) from error
    except CommandError as error:  # e.g. the database is at a migration this code lacks
        message = f"cannot upgrade the database {masked(engine.url)}: {error}"
        raise DatabaseError(message) from error


def _create_parent_folder(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"cannot create the folder for {masked(url)}: {error}") from None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _sqlite_on_begin)
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    """A real BEGIN, so DDL and reads are transactional too (sqlite3 skips them by default)."""
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
