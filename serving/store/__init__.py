"""The warnings database: scoring runs and their warnings, users and tokens, the audit log.

`open_database()` returns an Engine upgraded to the latest migration; the functions in `runs`
and `users` take that Engine.
"""

from serving.store.database import DatabaseError, database_url, open_database

__all__ = ["DatabaseError", "database_url", "open_database"]
