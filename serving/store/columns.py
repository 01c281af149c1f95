"""Column types and JSON text shared by every table (`schema`).

JSON columns are plain text written by `dump_json`, so SQLite and PostgreSQL store the same
characters (Chinese reasons stay readable) and SQL NULL keeps its meaning ("not computed",
"all towns") instead of the text "null". orjson writes and reads them: the nightly batch
writes one list of reasons per firm (292 k at city scale), where the standard library's
encoder took 2 s of a 35 s run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect, TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value}: store timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dump_json(value: Any) -> str | None:
    """JSON text for a JSON column (UTF-8 as is, NumPy scalars as numbers); None stays SQL
    NULL."""
    if value is None:
        return None
    return orjson.dumps(value, default=_plain, option=orjson.OPT_NON_STR_KEYS).decode()


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy.float32(0.5) -> 0.5
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def load_json(text: str | None) -> Any:
    """The value `dump_json` wrote; SQL NULL reads back as None."""
    return None if text is None else orjson.loads(text)
