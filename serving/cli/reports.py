"""The reporting stage: `report`, the monthly market-risk report as PDF or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serving.cli.common import console, database, existing_sources, refused, structural


def report(
    month: Annotated[str, typer.Option(help="the month reported on, YYYY-MM")],
    out: Annotated[Path | None, typer.Option(
        help="report.pdf or report.xlsx (default: DATA_DIR/reports/monthly/YYYY-MM.pdf)")
    ] = None,
    sources: Annotated[str | None, typer.Option(
        help="the sources (default: those of the month's last scoring run)")] = None,
) -> None:
    """The monthly market-risk report (月度市场风险报告), per industry and town: firms by tier and
    their movement, triggers and their handling, inspections and hit rates, penalties and
    complaints by category, drift; in Chinese, with charts."""
    from serving.batch.monthly import parse_month
    from serving.batch.monthly_render import SUFFIXES

    try:  # before anything is loaded
        chosen = parse_month(month)
    except ValueError as exc:
        raise refused(exc) from exc
    if out is not None and out.suffix.lower() not in SUFFIXES:
        raise refused(ValueError(f"{out}: --out takes a .pdf or .xlsx file"))
    where = existing_sources(sources) if sources else None
    from features.loading import SourceError
    from serving.batch.monthly_io import month_report, report_dir, write_report
    from serving.store.database import open_database

    engine = database(open_database)
    path = out or report_dir() / f"{chosen.label}.pdf"
    try:
        data = month_report(engine, chosen, path.suffix, None, where)
    except SourceError as exc:
        raise structural(exc) from exc
    except LookupError as exc:
        raise refused(exc) from exc
    write_report(path, data)
    console.print(f"monthly report {chosen.label}: wrote {path}", highlight=False,
                  soft_wrap=True)
