"""What every stage's commands share: the consoles, one-line refusals, dates and database
opening that exit 2 with the reason, and the industry choices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console(width=120)
wide = Console(width=140)  # the benchmark tables
err = Console(stderr=True)


def structural(exc: Any) -> typer.Exit:
    """Print each structural source problem (file and column named); exit code 2."""
    for problem in exc.problems:
        err.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def refused(exc: Exception) -> typer.Exit:
    """Print why the command refused (one line, no traceback); exit code 2."""
    err.print(f"error: {exc}", markup=False, soft_wrap=True)
    return typer.Exit(2)


def parse_date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def existing_sources(location: str) -> str:
    """`location` if it is a SQL URL or an existing folder; else exit 2 at once, before
    anything is loaded or recorded."""
    if "://" in location or Path(location).is_dir():
        return location
    err.print(f"error: {location}: no such folder of source tables (give a folder of the "
              "seven tables, or a SQL URL)", markup=False, soft_wrap=True)
    raise typer.Exit(2)


def database(opener: Any) -> Any:
    """`opener()` (an Engine), or exit 2 with the database's one-line reason."""
    from serving.store.database import DatabaseError

    try:
        return opener()
    except DatabaseError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc


class Engine(StrEnum):
    pandas = "pandas"
    dask = "dask"




class IndustryChoice(StrEnum):
    all = "all"
    food = "food"
    ecommerce = "ecommerce"
    quasi_financial = "quasi_financial"



class ModelIndustry(StrEnum):
    food = "food"
    ecommerce = "ecommerce"
    quasi_financial = "quasi_financial"
    all = "all"


def industries(choice: ModelIndustry) -> list[str]:
    from features.industries import INDUSTRY_KEYS

    return list(INDUSTRY_KEYS) if choice is ModelIndustry.all else [choice.value]

