"""Tables for people who live in Excel: CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx
(openpyxl's write-only mode: rows stream out, ~10x faster than pandas' `to_excel`).

A sheet is a few lines of context at the top (what, as of when, which filters, the
disclaimer), then a header row and the rows. Every text cell goes through `safe_text`, so no
text can break or weaponise a file: characters XML 1.0 forbids become U+FFFD (openpyxl would
refuse the whole workbook), and a cell starting with =, +, -, @, tab or CR gets a leading
apostrophe (OWASP's CSV-injection rule) in both formats. In .xlsx the header row is frozen,
carries an auto-filter, and each column has a width; percentages stay numbers there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # openpyxl is imported by the first workbook (~7 MB a service worker)
    from openpyxl import Workbook

SUFFIXES = (".csv", ".xlsx")
MEDIA_TYPES = {".csv": "text/csv; charset=utf-8",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# everything outside XML 1.0's Char production (control characters, lone surrogates, FFFE/F)
ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> str:
    """`value` as text that is legal XML and never read as a formula."""
    text = ILLEGAL.sub("\ufffd", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    percent: bool = False  # a share 0..1 shown as a percentage


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    head: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value) lines


def _cell(value: Any) -> Any:
    """A value as a cell: numbers and None as they are, days as YYYY-MM-DD, anything else as
    safe text."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool | np.bool_):
        return safe_text(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, datetime):
        midnight = value.time() == time()
        return f"{value:%Y-%m-%d}" if midnight else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value)


def csv_bytes(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for label, value in sheet.head:
        writer.writerow([safe_text(label), safe_text(value)])
    if sheet.head:
        writer.writerow([])
    writer.writerow([safe_text(c.header) for c in sheet.columns])
    shares = [i for i, c in enumerate(sheet.columns) if c.percent]
    for row in sheet.rows:
        cells = [_cell(v) for v in row]
        for i in shares:
            if isinstance(cells[i], int | float):
                cells[i] = f"{cells[i]:.1%}"
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


def _write_sheet(book: Workbook, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(safe_text(sheet.name)[:31].strip("'") or "sheet")
    last = get_column_letter(max(len(sheet.columns), 2))
    for i, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    header_row = len(sheet.head) + (2 if sheet.head else 1)
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(sheet.rows), 1)}"
    bold = Font(bold=True)
    for label, value in sheet.head:
        first = WriteOnlyCell(ws, safe_text(label))
        first.font = bold
        ws.append([first, safe_text(value)])
    if sheet.head:
        ws.append([])
    headers = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, safe_text(column.header))
        cell.font = bold
        headers.append(cell)
    ws.append(headers)
    shares = [i for i, c in enumerate(sheet.columns) if c.percent]
    for row in sheet.rows:
        cells: list[Any] = [_cell(v) for v in row]
        for i in shares:
            if isinstance(cells[i], int | float):
                cell = WriteOnlyCell(ws, cells[i])
                cell.number_format = "0.0%"
                cells[i] = cell
        ws.append(cells)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheets_bytes(sheets: Sequence[Sheet], suffix: str) -> bytes:
    """The first sheet as CSV, or every sheet of an .xlsx workbook, by `suffix`."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{suffix}: export .csv or .xlsx")
    return csv_bytes(sheets[0]) if suffix == ".csv" else xlsx_bytes(sheets)


def frame_sheet(name: str, frame: pd.DataFrame) -> Sheet:
    """A DataFrame as a sheet under its own column names."""
    columns = [Column(str(c), width=max(10.0, min(40.0, len(str(c)) + 4))) for c in frame]
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    return Sheet(name, columns, list(rows))


def table_bytes(tables: Mapping[str, pd.DataFrame], suffix: str) -> bytes:
    """What `write_tables` would write to a file ending in `suffix`, as bytes."""
    return sheets_bytes([frame_sheet(n, f) for n, f in tables.items()], suffix)


def write_tables(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """The first table as CSV, or every table as a sheet of an .xlsx workbook."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: write .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    side = path.with_name(f".{path.name}.part")
    side.write_bytes(table_bytes(tables, suffix))
    side.replace(path)  # a reader never sees half a file
