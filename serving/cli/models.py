"""The model stage: `train`, `tune`, `promote`, `evaluate`, `retrain` and `benchmark`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from features.settings import DATA_DIR
from serving.cli.common import (
    Engine,
    ModelIndustry,
    console,
    database,
    err,
    existing_sources,
    industries,
    parse_date,
    refused,
    structural,
    wide,
)
from serving.cli.data import DataOption, check_data
from serving.cli.progress import progress_bar

benchmark = typer.Typer(help="Back-tests on real data against published results.",
                        no_args_is_help=True)


def train(
    features: Annotated[Path, typer.Option(help="the feature dataset (riskwarn features)")],
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    engine: Annotated[Engine, typer.Option(
        help="fit LightGBM with pandas on this machine, or with lightgbm.dask")] = Engine.pandas,
    scheduler: Annotated[str | None, typer.Option(
        help="address of a Dask scheduler (default: a local cluster)")] = None,
) -> None:
    """Train, evaluate and register each industry's model as the challenger in MLflow."""
    from training.data import NotEnoughHistory
    from training.train import train_industry

    failed = False
    for key in industries(industry):
        try:
            result = train_industry(features, key, engine=engine.value, scheduler=scheduler)
        except (NotEnoughHistory, FileNotFoundError) as exc:
            err.print(f"error: {key}: {exc}", markup=False)
            failed = True
            continue
        if result.unchanged:
            console.print(f"{key}: unchanged - version {result.version} was trained on the same "
                          "data with the same parameters and code; not registered again")
            continue
        m = result.metrics
        console.print(
            f"{key}: version {result.version} is the challenger - test AUC "
            f"{m['test_roc_auc']:.3f}, precision at capacity {m['test_precision_at_k']:.3f} "
            f"(points rule {m['test_rule_precision_at_k']:.3f}), ECE "
            f"{m['test_calibration_ece']:.4f}, "
            f"bias audit {'passes' if result.bias_passes else 'fails'}")
    if failed:
        raise typer.Exit(2)


def tune(
    features: Annotated[Path, typer.Option(help="the feature dataset (riskwarn features)")],
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    trials: Annotated[int, typer.Option(min=1, help="Optuna trials per industry")] = 20,
) -> None:
    """Choose hyper-parameters by rolling-origin validation inside the training period."""
    from training.tune import tune_industry

    for key in industries(industry):
        try:
            record = tune_industry(features, key, trials)
        except (ValueError, FileNotFoundError) as exc:
            err.print(f"error: {key}: {exc}", markup=False)
            raise typer.Exit(2) from exc
        console.print(f"{key}: objective {record['objective']:.4f} over {record['folds']} "
                      f"folds; saved for train and retrain: {record['params']}")


def promote(
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    features: Annotated[Path | None, typer.Option(
        help="feature dataset for the held-out period (default: the challenger's)")] = None,
) -> None:
    """Make the challenger champion if it passes the gate; a refusal exits 0 and says why."""
    from training.promote import decide

    for key in industries(industry):
        decision = decide(key, features)
        verdict = "promoted to champion" if decision.promoted else "not promoted"
        console.print(f"{key}: challenger {decision.challenger} {verdict}: {decision.reason}")


def evaluate(
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    oracle: Annotated[bool, typer.Option(help="compare with the generator's hidden truth")],
    alias: Annotated[str, typer.Option(help="which registered model")] = "champion",
    sources: Annotated[Path | None, typer.Option(
        help="generated sources for the triggers' precision (default: the model's)")] = None,
) -> None:
    """Compare a registered model with the hidden truth on its own test rows, and each
    early-warning rule's precision against the planted patterns and the hidden risk."""
    from training.oracle_eval import model_sources

    if not oracle:
        raise typer.BadParameter("only --oracle is implemented; metrics are in MLflow")
    _models_beside_oracle(industry, alias)
    where = sources or model_sources(industries(industry), alias)
    if where is None:
        err.print("triggers: no --sources and no registered model to take them from",
                  markup=False)
        return
    _triggers_beside_oracle(where)


def _triggers_beside_oracle(sources: Path) -> None:
    from training.trigger_eval import trigger_precision

    try:
        table = trigger_precision(sources)
    except FileNotFoundError as exc:
        err.print(f"triggers: {exc}", markup=False)
        return
    console.print("triggers against the hidden truth: precision on firms planted with the "
                  "rule's pattern and on truly risky firms (planted, or the top tenth of their "
                  "industry's hidden risk), beside a random firm of the same industry:")
    console.print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def _models_beside_oracle(industry: ModelIndustry, alias: str) -> None:
    from training.oracle_eval import compare_with_oracle, oracle_tiers

    for key in industries(industry):
        try:
            table = compare_with_oracle(key, alias)
        except (LookupError, FileNotFoundError) as exc:
            err.print(f"{key}: {exc}", markup=False)
            continue
        console.print(f"{key} ({alias}):")
        console.print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        tiers = oracle_tiers(key, alias)
        console.print(f"{key} by tier: mean predicted probability, observed rate (all labels "
                      "and random inspections, IPW, 95 % intervals) and the hidden truth:")
        console.print(tiers.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def retrain(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    features: Annotated[Path | None, typer.Option(
        help="where the feature dataset is kept (default: data/retrain/features)")] = None,
) -> None:
    """One retraining run for all industries: features, train, evaluate, gate, promote."""
    existing_sources(sources)
    from features.loading import SourceError
    from serving.store.database import open_database
    from serving.store.plans import outcomes_as_inspections
    from training.retrain import DEFAULT_FEATURES
    from training.retrain import retrain as run

    recorded = outcomes_as_inspections(database(open_database))
    if len(recorded):
        console.print(f"adding {len(recorded):,} inspection outcomes recorded through the "
                      "service")
    try:
        outcomes = run(sources, features or DEFAULT_FEATURES,
                       step=lambda key: console.print(f"training {key} ..."),
                       extra={"inspections": recorded})
    except SourceError as exc:
        raise structural(exc) from exc
    for o in outcomes:
        console.print(f"{o.industry}: {o.status} (version {o.version}): {o.reason}")


def backtest(
    features: Annotated[Path, typer.Option(
        help="an inspection cohort (riskwarn features --cohort inspected)")],
    test_from: Annotated[str, typer.Option(help="first day of the test period, YYYY-MM-DD")],
    test_to: Annotated[str, typer.Option(help="last day of the test period, YYYY-MM-DD")],
    train_to: Annotated[str | None, typer.Option(
        help="last day of training (default: the day before the test period)")] = None,
    windows: Annotated[int, typer.Option(
        min=1, max=120, help="successive test windows, each trained on every visit "
                             "before it (rolling origin)")] = 1,
    window_months: Annotated[int, typer.Option(min=1, max=60,
                                               help="months per window")] = 2,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="also write the rows as a JSON list of objects")] = None,
    tune: Annotated[bool, typer.Option(
        help="tune riskwarn's parameters on each window's training visits only")] = False,
    industry: Annotated[str | None, typer.Option(
        help="which industry of the cohort (default: its only one)")] = None,
) -> None:
    """Train on the visits before a test window, score its visits once, and print riskwarn
    beside the history rule, the last score, a logistic regression and a plain LightGBM on
    the same rows."""
    dates = {option: parse_date(text) for option, text in
             (("test_from", test_from), ("test_to", test_to), ("train_to", train_to)) if text}
    if not (features / "_manifest.json").is_file():
        err.print(f"error: {features}: no feature dataset (run riskwarn features --cohort "
                  "inspected first)", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    import pandas as pd

    from training.backtest import HEADERS, cells, paired_line, run_backtest, title

    when = {k: pd.Timestamp(v) for k, v in dates.items()}
    try:
        with progress_bar("back-testing", windows) as step:
            result = run_backtest(features, when["test_from"], when["test_to"],
                                  when.get("train_to"), windows, window_months, json_path,
                                  tune, industry=industry, step=step)
    except (ValueError, FileNotFoundError) as exc:
        raise refused(exc) from exc
    table = Table(title=title(result))
    for header in HEADERS:
        table.add_column(header, overflow="fold")
    for row in result.rows:
        table.add_row(*cells(row))
    wide.print(table)
    wide.print(paired_line(result), soft_wrap=True)
    wide.print(f"logged to MLflow: run {result.facts['mlflow_run_id']}")
    if json_path:
        wide.print(f"wrote {json_path}")


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
    wide.print(table)


@benchmark.command("chicago")
def benchmark_chicago(
    data: DataOption,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="also write the rows as a JSON list of objects")] = None,
    work: Annotated[Path, typer.Option(
        help="where the adapted sources and the inspection cohort are kept between runs")] = (
        DATA_DIR / "chicago"),
    tune: Annotated[bool, typer.Option(
        help="tune riskwarn's parameters (Optuna on rolling origins inside the training "
             "period only; about 20 minutes) instead of using the defaults")] = False,
) -> None:
    """riskwarn against the City of Chicago's published evaluation, on its split: the
    published figures and the re-implemented logit beside `riskwarn backtest`'s rankings."""
    from training.chicago.run import run_benchmark, total_steps

    check_data(data, "23_dat_model")  # the published split's table: which rows, which dates
    try:
        with progress_bar("building the inspection cohort", total_steps(data, work)) as step:
            rows, facts = run_benchmark(data, work, tune, step)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    print_table(rows, f"Chicago food inspections, test {facts['test_period']}: "
                      f"{facts['test_rows']:,} inspections, {facts['test_positives']} critical")
    wide.print(f"logged to MLflow: experiment chicago, run {facts['mlflow_run_id']}")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=2), "utf-8")
        wide.print(f"wrote {json_path}")
