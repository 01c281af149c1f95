"""The data stage: `simulate`, `validate`, `features` and `adapt`."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from serving.cli.common import (
    Engine,
    IndustryChoice,
    console,
    err,
    existing_sources,
    parse_date,
    refused,
    structural,
)
from serving.cli.progress import progress_bar

adapt = typer.Typer(help="Turn another authority's exports into riskwarn's source tables.",
                    no_args_is_help=True)
DataOption = Annotated[Path, typer.Option(
    help="folder of the public Chicago food-inspection tables (Parquet)")]


def simulate(
    entities: Annotated[int, typer.Option(min=100, help="number of registered entities")],
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    seed: Annotated[int, typer.Option(help="random seed: same seed, same bytes")],
    out: Annotated[Path, typer.Option(help="folder for the seven tables")],
    messy: Annotated[bool, typer.Option(help="add what real exports contain")] = False,
) -> None:
    """Generate a Dongguan-like market as the bureau's source tables."""
    from features.simulate import SimulationSpec, month_count
    from features.simulate import simulate as run

    first, last = parse_date(start).date(), parse_date(end).date()
    if last <= first:
        raise typer.BadParameter("--end must be after --start")
    spec = SimulationSpec(entities, first, last, seed, messy)
    try:
        with progress_bar("simulating months", month_count(spec)) as step:
            tables = run(spec, out, progress=step)
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_rates(tables, spec)
    console.print(f"wrote {out}")


def _print_rates(tables: dict[str, Any], spec: Any) -> None:
    import pandas as pd

    from features.simulate.baserates import base_rates

    frames = {name: t.to_pandas(date_as_object=False) for name, t in tables.items()}
    rates = base_rates(frames, pd.Timestamp(spec.start), pd.Timestamp(spec.end))
    table = Table(title="base rates beside DOMAIN.md")
    for col in ("metric", "value", "range", "ok", "source"):
        table.add_column(col, overflow="fold")
    for r in rates.itertuples():
        table.add_row(str(r.metric), f"{r.value:.4g}", f"{r.low:g}–{r.high:g}",
                      "yes" if r.ok else "[red]NO[/]", str(r.source))
    console.print(table)


def validate(
    location: Annotated[str, typer.Argument(help="folder of the seven tables, or a SQL URL")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="the run's date, YYYY-MM-DD: a later date is a violation "
                        "(default: today in the bureau's time zone)")] = None,
) -> None:
    """Check every table against its contract; exit 2 on any violation."""
    from features.validation import validate as check

    report = check(location, parse_date(as_of).date() if as_of else None)
    if report.summary is not None and not report.summary.empty:
        table = Table(title=f"sources in {location}")
        for col in report.summary.columns:
            table.add_column(col)
        for row in report.summary.itertuples(index=False):
            table.add_row(*[("" if v is None else str(v)) for v in row])
        console.print(table)
        m = report.complaint_matching
        console.print(
            f"complaints named only by text: {m['named_only']:.0f} of {m['complaints']:.0f}; "
            f"unmatched subjects: {m['unmatched_subjects']:.0f} "
            f"({m['unmatched_share_of_named_only']:.1%})"
        )
    if not report.ok:
        for line in report.error_lines():
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    console.print("[green]all tables keep their contracts[/]")


class Cohort(StrEnum):
    active = "active"
    inspected = "inspected"



def features(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    out: Annotated[Path, typer.Option(help="the feature dataset folder (FEATURES)")],
    as_of: Annotated[list[str] | None, typer.Option(
        "--as-of", help="an as-of date YYYY-MM-DD; repeat for several")] = None,
    monthly: Annotated[tuple[str, str] | None, typer.Option(
        help="every month-end from FROM to TO", metavar="FROM TO")] = None,
    industry: Annotated[IndustryChoice, typer.Option(help="which industry")] = (
        IndustryChoice.all),
    engine: Annotated[Engine, typer.Option(help="pandas on this machine, or dask")] = (
        Engine.pandas),
    scheduler: Annotated[str | None, typer.Option(
        help="address of a Dask scheduler (default: a local cluster)")] = None,
    cohort: Annotated[Cohort, typer.Option(
        help="active: every firm active on each as-of date; inspected: one row per "
             "inspection (features as of its date, its outcome as the label), for the visits "
             "from the first to the last date given (all without dates)")] = Cohort.active,
    label: Annotated[str, typer.Option(
        help="--cohort inspected: violation (outcome rectify or case_opened), critical "
             "(critical_violations > 0), or score<=N / score>=N (the visit's score at or "
             "below / above N, on the scale _dataset.yaml declares)")] = "violation",
) -> None:
    """Build point-in-time features and labels for every firm active on each as-of date, or
    for every inspection (--cohort inspected)."""
    for text in [*(as_of or []), *(monthly or ())]:
        parse_date(text)
    from features.visit_labels import LabelError, check_label_text

    try:
        check_label_text(label)
    except LabelError as exc:
        raise refused(exc) from exc
    existing_sources(sources)  # refused before the sources are read
    import pandas as pd

    from features.dataset import DatasetKindError, as_of_dates, build_dataset
    from features.industries import INDUSTRY_KEYS
    from features.loading import SourceError

    dates = as_of_dates(as_of or [], monthly)
    keys = list(INDUSTRY_KEYS) if industry is IndustryChoice.all else [industry.value]
    if cohort is Cohort.inspected:
        given = [pd.Timestamp(t) for t in [*(as_of or []), *(monthly or ())]]
        bounds = (min(given), max(given)) if given else None
        _cohort_features(sources, out, bounds, keys, label, engine)
        return
    if not dates:
        raise typer.BadParameter("give at least one --as-of DATE or --monthly FROM TO")
    try:
        with progress_bar("building features", len(dates) * len(keys)) as step:
            if engine is Engine.dask:
                from features.dask_engine import build_dataset_dask

                manifest = build_dataset_dask(sources, out, dates, keys, scheduler, step)
            else:
                manifest = build_dataset(sources, out, dates, keys, step)
    except SourceError as exc:
        raise structural(exc) from exc
    except DatasetKindError as exc:
        raise refused(exc) from exc
    rows = ", ".join(f"{k} {v:,} rows" for k, v in manifest["row_counts"].items())
    rate = manifest["complaint_matching"]["match_rate_named_only"]
    console.print(f"wrote {out}: {rows}; complaints named only by text matched: {rate:.1%}")


def _cohort_features(sources: str, out: Path, bounds: tuple[Any, Any] | None,
                     keys: Sequence[str], label: str, engine: Engine) -> None:
    from features.dataset import DatasetKindError, build_cohort_dataset, cohort_visits
    from features.loading import SourceError, load_sources

    if engine is Engine.dask:
        raise typer.BadParameter("--cohort inspected runs with --engine pandas")
    try:
        loaded = load_sources(sources)
        days = cohort_visits(loaded, bounds)["inspected_on"].nunique()
        with progress_bar("building the inspection cohort", days) as step:
            manifest = build_cohort_dataset(sources, out, bounds, keys, label, step, loaded,
                                            report=console.print)
    except SourceError as exc:
        raise structural(exc) from exc
    except DatasetKindError as exc:
        raise refused(exc) from exc
    console.print(f"wrote {out}: {manifest['visits_kept']:,} of {manifest['visits']:,} visits "
                  f"(firms active and in the industries chosen); label: {manifest['label_rule']}")


def check_data(data: Path, *more: str) -> None:
    from features.adapters.chicago import FILES

    missing = [f"{name}.parquet" for name in (*FILES.values(), *more)
               if not (data / f"{name}.parquet").is_file()]
    if missing:
        err.print(f"error: {data}: missing {', '.join(missing)}", markup=False,
                  soft_wrap=True)
        raise typer.Exit(2)


@adapt.command("chicago")
def adapt_chicago(
    data: DataOption,
    out: Annotated[Path, typer.Option(help="folder for the seven tables and _dataset.yaml")],
) -> None:
    """Write the Chicago tables as riskwarn's sources (licence numbers as firm ids)."""
    from features.adapters.chicago import write_sources

    check_data(data)
    counts = write_sources(data, out)
    console.print(f"wrote {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
