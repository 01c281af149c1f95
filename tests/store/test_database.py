"""Opening the database: URL choice, upgrade on first open, connection settings, clear errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, exc, inspect, select

from features import settings
from serving.store import schema
from serving.store.database import (
    DatabaseError,
    alembic_config,
    close_databases,
    database_url,
    masked,
    open_database,
)
from serving.store.users import add_user, audit, list_users

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TABLES = {"scoring_runs", "warnings", "users", "tokens", "audit_log", "plans", "plan_visits",
          "outcomes", "decisions", "plan_unplaced", "jobs", "trigger_warnings"}


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_database_url_from_environment_else_sqlite_under_data_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    monkeypatch.delenv("RISKWARN_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'riskwarn.db'}"
    monkeypatch.setenv("RISKWARN_DATABASE_URL", "postgresql+psycopg://u@db:5432/riskwarn")
    assert database_url() == "postgresql+psycopg://u@db:5432/riskwarn"


def test_open_without_url_uses_database_url(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "new" / "data")
    monkeypatch.delenv("RISKWARN_DATABASE_URL", raising=False)
    try:
        engine = open_database()
        assert Path(engine.url.database or "") == tmp_path / "new" / "data" / "riskwarn.db"
        assert (tmp_path / "new" / "data" / "riskwarn.db").exists()
    finally:
        close_databases()


def test_upgrade_from_empty_creates_every_table_at_head(url):
    engine = open_database(url)
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    assert _revision(engine) == _head() == "0007"


def test_migrations_match_schema_module(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert differences == []


def _named_constraints_in_database(engine: Engine) -> set[tuple[str, str, str | None]]:
    inspector = inspect(engine)
    found = set()
    for table in TABLES:
        found.add(("pk", table, inspector.get_pk_constraint(table)["name"]))
        found |= {("fk", table, c["name"]) for c in inspector.get_foreign_keys(table)}
        found |= {("uq", table, c["name"]) for c in inspector.get_unique_constraints(table)}
        found |= {("ck", table, c["name"]) for c in inspector.get_check_constraints(table)}
    return found


def _named_constraints_in_schema() -> set[tuple[str, str, str | None]]:
    kinds = {"PrimaryKeyConstraint": "pk", "ForeignKeyConstraint": "fk",
             "UniqueConstraint": "uq", "CheckConstraint": "ck"}
    return {(kinds[type(c).__name__], table.name, str(c.name))
            for table in schema.metadata.tables.values() for c in table.constraints}


def test_migrations_name_constraints_as_the_schema_module_does(engine):
    assert _named_constraints_in_database(engine) == _named_constraints_in_schema()
    pk = inspect(engine).get_pk_constraint("warnings")["constrained_columns"]
    assert pk == ["uscc", "run_id"]  # serves lookups in a run and a firm's history


def test_second_open_is_a_no_op(url):
    engine = open_database(url)
    add_user(engine, "li.wei", "officer", None)
    assert open_database(url) is engine  # cached for the process

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    close_databases()
    event.listen(Engine, "before_cursor_execute", record)
    try:
        again = open_database(url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert again is not engine
    assert statements, "the upgrade should at least read the current revision"
    assert not [s for s in statements if s.lstrip().upper().startswith(("CREATE", "ALTER",
                                                                        "DROP", "INSERT"))]
    assert [u["name"] for u in list_users(again)] == ["li.wei"]


def test_downgrade_to_base_and_upgrade_again(engine, url):
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    close_databases()
    again = open_database(url)
    assert set(inspect(again).get_table_names()) == TABLES | {"alembic_version"}


def test_sqlite_connection_settings(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'a' / 'b' / 'riskwarn.db'}")
    try:
        with engine.connect() as connection:
            pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
        # foreign keys are enforced: a warning for a run that does not exist is refused
        with pytest.raises(exc.IntegrityError, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(schema.warnings.insert(), {
                "run_id": 99, "uscc": "x", "name": "x", "industry": "food", "town_code": "t",
                "as_of": date(2025, 6, 30), "probability": 0.5, "tier": "A",
                "model_version": "1", "rank": 1})
        assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                          "busy_timeout": 30000}
    finally:
        close_databases()


def test_unreachable_database_names_url_without_password():
    url = "postgresql+psycopg://riskwarn:s3cret-pw@127.0.0.1:1/riskwarn?connect_timeout=2"
    with pytest.raises(DatabaseError, match=r"riskwarn:\*\*\*@127\.0\.0\.1:1/riskwarn") as info:
        open_database(url)
    assert "s3cret-pw" not in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_sqlite_in_an_impossible_folder_is_a_database_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DatabaseError, match="file"):
        open_database(f"sqlite:///{tmp_path / 'file' / 'riskwarn.db'}")


def test_masked_hides_only_the_password():
    assert masked("postgresql+psycopg://u:p%40ss@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert masked("sqlite:////data/riskwarn.db") == "sqlite:////data/riskwarn.db"
    assert "secret" not in masked("not a url with secret")


def test_audit_rows_use_timezone_aware_utc(engine):
    audit(engine, "admin", "users add", "li.wei")
    with engine.connect() as connection:
        at = connection.execute(select(schema.audit_log.c.at)).scalar_one()
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0


def test_a_database_from_newer_code_is_a_clear_error(engine, url):
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    close_databases()
    with pytest.raises(DatabaseError, match="0999"):
        open_database(url)


def test_processes_opening_a_new_database_at_once_all_succeed(url):
    script = "import sys; from serving.store import open_database; open_database(sys.argv[1])"
    processes = [subprocess.Popen([sys.executable, "-c", script, url], cwd=PROJECT_ROOT,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=300)[1] for p in processes]  # slow only under load
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert _revision(open_database(url)) == _head()
