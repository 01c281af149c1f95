"""`riskwarn adapt chicago` and `riskwarn benchmark chicago`: real data through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from features.settings import DATA_DIR
from serving.cli.progress import progress_bar

adapt = typer.Typer(help="Turn another authority's exports into riskwarn's source tables.",
                    no_args_is_help=True)
benchmark = typer.Typer(help="Back-tests on real data against published results.",
                        no_args_is_help=True)
console = Console(width=140)
err = Console(stderr=True)

DataOption = Annotated[Path, typer.Option(
    help="folder of the public Chicago food-inspection tables (Parquet)")]


def _check_data(data: Path, *more: str) -> None:
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

    _check_data(data)
    counts = write_sources(data, out)
    console.print(f"wrote {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def _cell(value: Any, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for column in ("ranking", "ROC-AUC", "days earlier (95 % CI)", "median", "found later",
                   "first-half share", "precision at daily capacity"):
        table.add_column(column, overflow="fold")
    for row in rows:
        interval = ("" if row.get("days_earlier_ci_low") is None else
                    f" ({row['days_earlier_ci_low']:.2f}–{row['days_earlier_ci_high']:.2f})")
        table.add_row(row["name"], _cell(row["auc"]),
                      _cell(row["days_earlier_mean"], 2) + interval,
                      _cell(row["days_earlier_median"], 1), _cell(row["share_found_later"]),
                      _cell(row["first_half_share"], 4),
                      _cell(row.get("precision_at_daily_capacity")))
    console.print(table)


@benchmark.command("chicago")
def benchmark_chicago(
    data: DataOption,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="also write the rows as a JSON list of objects")] = None,
    work: Annotated[Path, typer.Option(
        help="where the adapted sources and the inspection cohort are kept between runs")] = (
        DATA_DIR / "chicago"),
    tune: Annotated[bool, typer.Option(
        help="re-run the search for riskwarn's own row (temporal validation inside the "
             "training period, a few minutes) instead of reusing the stored choice")] = False,
) -> None:
    """riskwarn against the City of Chicago's published evaluation, on its split."""
    from training.chicago.run import run_benchmark, total_steps

    _check_data(data, "23_dat_model")  # the published split's table: which rows, which dates
    try:
        with progress_bar("building the inspection cohort", total_steps(data, work)) as step:
            rows, facts = run_benchmark(data, work, tune, step)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    print_table(rows, f"Chicago food inspections, test {facts['test_period']}: "
                      f"{facts['test_rows']:,} inspections, {facts['test_positives']} critical")
    if tune:
        console.print(f"riskwarn's own row, chosen by validation inside the training period: "
                      f"{facts['own_input_set']}, {facts['own_params']} (validation days "
                      f"earlier per input set: {facts['own_validation_days_earlier']}); "
                      "store them in training/chicago/own.py to make them the default",
                      soft_wrap=True)
    console.print(f"logged to MLflow: experiment chicago, run {facts['mlflow_run_id']}")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=2), "utf-8")
        console.print(f"wrote {json_path}")
