"""Tables for people who live in Excel: CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx
with one sheet per table, chosen by the file's suffix."""

from __future__ import annotations

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
    if suffix == ".csv":
        next(iter(tables.values())).to_csv(side, index=False, encoding="utf-8-sig")
    else:
        with pd.ExcelWriter(side, engine="openpyxl") as book:
            for sheet, frame in tables.items():
                frame.to_excel(book, sheet_name=sheet[:31], index=False)
    side.replace(path)  # a reader never sees half a file
