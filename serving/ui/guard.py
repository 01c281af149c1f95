"""Bounds on every number and date the pages take, in one place.

A value out of range (or not a number) raises `Refused`, which the app answers with its error
page naming the field (400), never a 500 from the database: SQLite's INTEGER stops at 2^63 - 1,
and `page` becomes an OFFSET long before that.
"""

from __future__ import annotations

from datetime import date

MAX_ID = 2**63 - 1  # the largest id the store can hold
MAX_PAGE = 1_000_000  # 25 million rows: far beyond any queue


class Refused(Exception):
    """A query or form value out of its bounds: `field` names it for the error page."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def integer(raw: object, field: str, low: int, high: int, default: int | None = None) -> int:
    """`raw` (a query or form value, or a path's int) as an int in [low, high]; `default` when
    it is missing or empty and a default is given."""
    if raw is None or raw == "":
        if default is None:
            raise Refused(field, "missing")
        return default
    text = str(raw).strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 20:
        raise Refused(field, f"must be a whole number from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise Refused(field, f"must be a whole number from {low} to {high}")
    return value


def page(raw: object) -> int:
    """A page number of a paged list (1 when missing)."""
    return integer(raw, "page", 1, MAX_PAGE, default=1)


def record_id(raw: object, field: str) -> int:
    """An id the store may hold (1 .. 2^63 - 1), such as a plan's."""
    return integer(raw, field, 1, MAX_ID)


def day(raw: object, field: str, low: date | None = None, high: date | None = None) -> date:
    """An ISO date (YYYY-MM-DD) within [low, high] where given."""
    try:
        value = date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise Refused(field, "must be a date written YYYY-MM-DD") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise Refused(field, f"must lie between {low or '…'} and {high or '…'}")
    return value
