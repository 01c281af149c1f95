"""Alembic environment for the warnings database.

`open_database` runs the migrations on its own connection, passed in
`config.attributes["connection"]` inside a transaction it commits; otherwise (the `alembic`
command, or `--sql` for a script a DBA runs) this uses the config's `sqlalchemy.url`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, make_url

from serving.store.database import make_engine
from serving.store.schema import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


def run_offline() -> None:
    url = make_url(context.config.get_main_option("sqlalchemy.url") or "")
    context.configure(url=url, target_metadata=metadata, literal_binds=True,
                      render_as_batch=url.get_backend_name() == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
