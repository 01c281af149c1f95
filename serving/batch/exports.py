"""Tables for people who live in Excel: CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx
with one sheet per table, chosen by the file's suffix."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

SUFFIXES = (".csv", ".xlsx")


def write_tables(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """The first table as CSV, or every table as a sheet of an .xlsx workbook."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: write .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    side = path.with_name(f".{path.name}.part")
    side.write_bytes(table_bytes(tables, suffix))
    side.replace(path)  # a reader never sees half a file


MEDIA_TYPES = {".csv": "text/csv; charset=utf-8",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def table_bytes(tables: Mapping[str, pd.DataFrame], suffix: str) -> bytes:
    """What `write_tables` would write to a file ending in `suffix`, as bytes (downloads)."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{suffix}: export .csv or .xlsx")
    if suffix == ".csv":
        return next(iter(tables.values())).to_csv(index=False).encode("utf-8-sig")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for sheet, frame in tables.items():
            frame.to_excel(book, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
