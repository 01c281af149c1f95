"""The warnings database: scoring runs and their warnings, decisions, plans and outcomes,
users and tokens, the audit log; SQLAlchemy Core tables with Alembic migrations.

`open_database()` returns an Engine upgraded to the latest migration; the functions in `runs`,
`decisions`, `plans` and `users` take that Engine. May import `features` only.
"""

from serving.store.database import DatabaseError, database_url, open_database

__all__ = ["DatabaseError", "database_url", "open_database"]
