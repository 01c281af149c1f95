"""`riskwarn`: one console command, one subcommand per stage; each a thin wrapper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from serving.cli.chicago import adapt, benchmark
from serving.cli.progress import progress_bar

app = typer.Typer(help="Risk warnings for a market-supervision bureau.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console(width=120)
err = Console(stderr=True)


def _structural(exc: Any) -> typer.Exit:
    """Print each structural source problem (file and column named); exit code 2."""
    for problem in exc.problems:
        err.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _refused(exc: Exception) -> typer.Exit:
    """Print why the command refused (one line, no traceback); exit code 2."""
    err.print(f"error: {exc}", markup=False, soft_wrap=True)
    return typer.Exit(2)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from exc


@app.command()
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

    first, last = _date(start).date(), _date(end).date()
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


@app.command()
def validate(
    location: Annotated[str, typer.Argument(help="folder of the seven tables, or a SQL URL")],
) -> None:
    """Check every table against its contract; exit 2 on any violation."""
    from features.validation import validate as check

    report = check(location)
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


class Engine(StrEnum):
    pandas = "pandas"
    dask = "dask"


class Cohort(StrEnum):
    active = "active"
    inspected = "inspected"


class VisitLabel(StrEnum):
    violation = "violation"
    critical = "critical"


class IndustryChoice(StrEnum):
    all = "all"
    food = "food"
    ecommerce = "ecommerce"
    quasi_financial = "quasi_financial"


@app.command()
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
    label: Annotated[VisitLabel, typer.Option(
        help="--cohort inspected: violation (outcome rectify or case_opened) or critical "
             "(critical_violations > 0)")] = VisitLabel.violation,
) -> None:
    """Build point-in-time features and labels for every firm active on each as-of date, or
    for every inspection (--cohort inspected)."""
    import pandas as pd

    from features.dataset import DatasetKindError, as_of_dates, build_dataset
    from features.industries import INDUSTRY_KEYS
    from features.loading import SourceError

    for text in [*(as_of or []), *(monthly or ())]:
        _date(text)
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
        raise _structural(exc) from exc
    except DatasetKindError as exc:
        raise _refused(exc) from exc
    rows = ", ".join(f"{k} {v:,} rows" for k, v in manifest["row_counts"].items())
    rate = manifest["complaint_matching"]["match_rate_named_only"]
    console.print(f"wrote {out}: {rows}; complaints named only by text matched: {rate:.1%}")


def _cohort_features(sources: str, out: Path, bounds: tuple[Any, Any] | None,
                     keys: Sequence[str], label: VisitLabel, engine: Engine) -> None:
    from features.dataset import DatasetKindError, build_cohort_dataset, cohort_visits
    from features.loading import SourceError, load_sources

    if engine is Engine.dask:
        raise typer.BadParameter("--cohort inspected runs with --engine pandas")
    try:
        loaded = load_sources(sources)
        days = cohort_visits(loaded, bounds)["inspected_on"].nunique()
        with progress_bar("building the inspection cohort", days) as step:
            manifest = build_cohort_dataset(sources, out, bounds, keys, label.value, step,
                                            loaded)
    except SourceError as exc:
        raise _structural(exc) from exc
    except DatasetKindError as exc:
        raise _refused(exc) from exc
    console.print(f"wrote {out}: {manifest['visits_kept']:,} of {manifest['visits']:,} visits "
                  f"(firms active and in the industries chosen); label: {manifest['label_rule']}")


class ModelIndustry(StrEnum):
    food = "food"
    ecommerce = "ecommerce"
    quasi_financial = "quasi_financial"
    all = "all"


def _industries(choice: ModelIndustry) -> list[str]:
    from features.industries import INDUSTRY_KEYS

    return list(INDUSTRY_KEYS) if choice is ModelIndustry.all else [choice.value]


@app.command()
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
    for key in _industries(industry):
        try:
            result = train_industry(features, key, engine=engine.value, scheduler=scheduler)
        except (NotEnoughHistory, FileNotFoundError) as exc:
            err.print(f"error: {key}: {exc}", markup=False)
            failed = True
            continue
        m = result.metrics
        console.print(
            f"{key}: version {result.version} is the challenger - test AUC "
            f"{m['test_roc_auc']:.3f}, precision at capacity {m['test_precision_at_k']:.3f} "
            f"(points rule {m['test_rule_precision_at_k']:.3f}), ECE {m['test_ece']:.4f}, "
            f"bias audit {'passes' if result.bias_passes else 'fails'}")
    if failed:
        raise typer.Exit(2)


@app.command()
def tune(
    features: Annotated[Path, typer.Option(help="the feature dataset (riskwarn features)")],
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    trials: Annotated[int, typer.Option(min=1, help="Optuna trials per industry")] = 20,
) -> None:
    """Choose hyper-parameters by rolling-origin validation inside the training period."""
    from training.tune import tune_industry

    for key in _industries(industry):
        try:
            record = tune_industry(features, key, trials)
        except (ValueError, FileNotFoundError) as exc:
            err.print(f"error: {key}: {exc}", markup=False)
            raise typer.Exit(2) from exc
        console.print(f"{key}: objective {record['objective']:.4f} over {record['folds']} "
                      f"folds; saved for train and retrain: {record['params']}")


@app.command()
def promote(
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    features: Annotated[Path | None, typer.Option(
        help="feature dataset for the held-out period (default: the challenger's)")] = None,
) -> None:
    """Make the challenger champion if it passes the gate; a refusal exits 0 and says why."""
    from training.promote import decide

    for key in _industries(industry):
        decision = decide(key, features)
        verdict = "promoted to champion" if decision.promoted else "not promoted"
        console.print(f"{key}: challenger {decision.challenger} {verdict}: {decision.reason}")


@app.command()
def evaluate(
    industry: Annotated[ModelIndustry, typer.Option(help="which industry, or all")],
    oracle: Annotated[bool, typer.Option(help="compare with the generator's hidden truth")],
    alias: Annotated[str, typer.Option(help="which registered model")] = "champion",
) -> None:
    """Compare a registered model with the hidden truth on its own test rows."""
    from training.oracle_eval import compare_with_oracle

    if not oracle:
        raise typer.BadParameter("only --oracle is implemented; metrics are in MLflow")
    for key in _industries(industry):
        try:
            table = compare_with_oracle(key, alias)
        except (LookupError, FileNotFoundError) as exc:
            err.print(f"{key}: {exc}", markup=False)
            continue
        console.print(f"{key} ({alias}):")
        console.print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


@app.command()
def retrain(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    features: Annotated[Path | None, typer.Option(
        help="where the feature dataset is kept (default: data/retrain/features)")] = None,
) -> None:
    """One retraining run for all industries: features, train, evaluate, gate, promote."""
    from features.loading import SourceError
    from serving.store.database import open_database
    from serving.store.plans import outcomes_as_inspections
    from training.retrain import DEFAULT_FEATURES
    from training.retrain import retrain as run

    recorded = outcomes_as_inspections(_database(open_database))
    if len(recorded):
        console.print(f"adding {len(recorded):,} inspection outcomes recorded through the "
                      "service")
    try:
        outcomes = run(sources, features or DEFAULT_FEATURES,
                       step=lambda key: console.print(f"training {key} ..."),
                       extra={"inspections": recorded})
    except SourceError as exc:
        raise _structural(exc) from exc
    for o in outcomes:
        console.print(f"{o.industry}: {o.status} (version {o.version}): {o.reason}")


@app.command()
def score(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    as_of: Annotated[str, typer.Option("--as-of", help="the scoring date, YYYY-MM-DD")],
) -> None:
    """Nightly batch: score every active firm with the champions into one scoring run."""
    import pandas as pd

    from features.loading import SourceError
    from serving.batch.score import score_run, steps
    from serving.store.database import open_database
    from training.champions import load_all

    day = pd.Timestamp(_date(as_of))
    engine = _database(open_database)
    champions = load_all()
    if not champions:
        err.print("error: no industry has a champion model yet: run `riskwarn train` and "
                  "`riskwarn promote` (or `riskwarn demo`) first", markup=False)
        raise typer.Exit(2)
    from features.industries import INDUSTRY_KEYS

    for key in INDUSTRY_KEYS:
        if key not in champions:
            err.print(f"note: {key} has no champion model; its firms are not scored",
                      markup=False)
    try:
        with progress_bar("scoring", steps(champions)) as step:
            outcome = score_run(engine, sources, day, champions, step)
    except SourceError as exc:
        raise _structural(exc) from exc
    tiers = ", ".join(f"{t} {n:,}" for t, n in outcome.by_tier.items())
    models = ", ".join(f"{k} v{v}" for k, v in outcome.model_versions.items())
    console.print(f"scoring run {outcome.run_id} complete: {outcome.firms:,} firms ({tiers}); "
                  f"models {models}")


def _database(opener: Any) -> Any:
    from serving.store.database import DatabaseError

    try:
        return opener()
    except DatabaseError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 3000,
    sources: Annotated[str | None, typer.Option(
        help="the sources (default: those of the latest scoring run)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
) -> None:
    """Run the risk service (BentoML) with each industry's champion."""
    import os
    import secrets
    import subprocess
    import sys

    from serving.store.database import open_database

    _database(open_database)  # upgrade first: workers must not race to migrate
    # new-style services ignore --api-workers; the worker count is service configuration
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true",
           "BENTOML_CONFIG_OPTIONS": f"services.riskwarn.workers={workers}"}
    # one signing key for the review workspace's sessions across the workers
    env.setdefault("RISKWARN_UI_SECRET", secrets.token_urlsafe(32))
    if sources:
        from serving.batch.score import location_of

        env["RISKWARN_SOURCES"] = location_of(sources)
    command = [sys.executable, "-m", "bentoml", "serve", "serving.api.service:RiskWarn",
               "--host", host, "--port", str(port)]
    raise typer.Exit(subprocess.call(command, env=env))


@app.command()
def build() -> None:
    """Copy the champions into BentoML's model store and build a Bento of the service."""
    from serving.api.bento_store import build_bento, import_champions

    tags = import_champions()
    if not tags:
        err.print("error: no industry has a champion model to build with", markup=False)
        raise typer.Exit(2)
    for key, tag in tags.items():
        console.print(f"{key}: champion imported as {tag}")
    console.print(f"built Bento {build_bento(tags)}: serve it without the MLflow database "
                  f"with `bentoml serve riskwarn:latest`")


@app.command()
def schedule(
    start: Annotated[str, typer.Option(help="first day of the period, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="last day of the period, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option(help="plan.csv or plan.xlsx (visits and summary)")],
    industry: Annotated[ModelIndustry, typer.Option(help="one industry, or all")] = (
        ModelIndustry.all),
    seed: Annotated[int | None, typer.Option(
        help="replay a plan with its seed (for an audit); default: a fresh draw")] = None,
    public: Annotated[bool, typer.Option(help="write the public version (公示)")] = False,
    sources: Annotated[str | None, typer.Option(
        help="the sources (default: those of the latest scoring run)")] = None,
) -> None:
    """Plan a period's inspections from the latest scoring run; stored and audited."""
    import getpass

    import pandas as pd

    from features.loading import SourceError, load_sources
    from serving.batch.exports import SUFFIXES, write_tables
    from serving.store import runs
    from serving.store.database import open_database
    from serving.workspace import planning

    first, last = _date(start).date(), _date(end).date()
    if out.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(f"{out}: write .csv or .xlsx", param_hint="--out")
    engine = _database(open_database)
    run = runs.latest_run(engine)
    if run is None:
        err.print("error: no scoring run yet: run `riskwarn score` first", markup=False)
        raise typer.Exit(2)
    try:
        tables = load_sources(sources or run.sources).tables
        request = planning.plan_request(
            first, last, planning.new_seed() if seed is None else seed,
            None if industry is ModelIndustry.all else industry.value)
        done = planning.schedule(engine, tables, run, request, f"cli:{getpass.getuser()}")
    except SourceError as exc:
        raise _structural(exc) from exc
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    visits = pd.DataFrame(planning.public_records(done.plan.visits, tables) if public
                          else planning.visit_records(done.plan.visits))
    summary = done.plan.summary
    totals = pd.DataFrame([{"item": k, "value": v} for k, v in summary.items()
                           if not isinstance(v, (dict, list))])
    write_tables(out, {"visits": visits} if public else {
        "visits": visits.assign(inspector_ids=visits["inspector_ids"].str.join("|")),
        "summary": totals, "random_by_stratum": pd.DataFrame(summary["random_by_stratum"])})
    found = summary["expected_violations"]
    console.print(f"plan {done.plan_id} (seed {done.plan.seed}): {summary['visits']} visits on "
                  f"{summary['working_days']} working days, {summary['unassigned']} unassigned; "
                  f"expected violations found {found['plan']:.1f} (pure random "
                  f"{found['pure_random']:.1f}); wrote {out}")


users = typer.Typer(help="Users of the service and their tokens.", no_args_is_help=True)
app.add_typer(users, name="users")
app.add_typer(adapt, name="adapt")
app.add_typer(benchmark, name="benchmark")


class Role(StrEnum):
    viewer = "viewer"
    officer = "officer"
    scheduler = "scheduler"
    admin = "admin"


@users.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="the user's name")],
    role: Annotated[Role, typer.Option(help="viewer < officer < scheduler < admin")],
    towns: Annotated[list[str] | None, typer.Option(
        help="town codes the user may see (repeat, or comma-separated); default all")] = None,
) -> None:
    """Add a user; the token is printed once, alone on the last line, and stored hashed."""
    from serving.store.database import open_database
    from serving.store.users import add_user

    codes = [t.strip() for item in (towns or []) for t in item.split(",") if t.strip()]
    engine = _database(open_database)
    try:
        token = add_user(engine, name, role.value, codes or None)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    err.print(f"user {name} ({role.value}, towns: {', '.join(codes) or 'all'}) added; "
              "keep the token below, it is not shown again", soft_wrap=True)
    print(token)


@users.command("list")
def users_list() -> None:
    """Users, roles, towns and live token counts (never the tokens)."""
    from serving.store.database import open_database
    from serving.store.users import list_users

    table = Table(title="users")
    for col in ("name", "role", "towns", "active", "live tokens", "created"):
        table.add_column(col)
    for u in list_users(_database(open_database)):
        table.add_row(u["name"], u["role"], ", ".join(u["towns"] or []) or "all",
                      str(u["active"]), str(u["live_tokens"]), f"{u['created_at']:%Y-%m-%d}")
    console.print(table)


@users.command("revoke")
def users_revoke(name: Annotated[str, typer.Argument(help="the user's name")]) -> None:
    """Revoke every token of a user."""
    from serving.store.database import open_database
    from serving.store.users import revoke_tokens

    try:
        count = revoke_tokens(_database(open_database), name)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    console.print(f"revoked {count} token(s) of {name}")


def _demo_officer() -> str:
    """A fresh token for the demo's officer (the user is created on the first demo)."""
    from serving.store.database import open_database
    from serving.store.users import add_user, list_users, new_token_for

    engine = _database(open_database)
    if any(u["name"] == DEMO_OFFICER for u in list_users(engine)):
        return new_token_for(engine, DEMO_OFFICER)
    return add_user(engine, DEMO_OFFICER, "officer", None)


DEMO_OFFICER = "demo-officer"


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="end by starting the service on port 3000")] = True,
) -> None:
    """Generate the embedded default data set, run the pipeline on it, score it and serve."""
    from features import settings

    simulate(settings.DEMO_ENTITIES, str(settings.DEMO_START), str(settings.DEMO_END),
             settings.DEMO_SEED, settings.DEMO_SOURCES)
    validate(str(settings.DEMO_SOURCES))
    features(str(settings.DEMO_SOURCES), settings.DEMO_FEATURES, None,
             settings.DEMO_MONTHLY, IndustryChoice.all, Engine.pandas, None)
    train(settings.DEMO_FEATURES, ModelIndustry.all)
    promote(ModelIndustry.all, None)
    score(str(settings.DEMO_SOURCES), settings.DEMO_SCORE_AS_OF)
    token = _demo_officer()
    console.print(f"review workspace: http://127.0.0.1:3000/ui/ - sign in with the demo "
                  f"officer's token {token}", soft_wrap=True)
    if serve_after:
        console.print("the service starts at http://127.0.0.1:3000 (Ctrl+C stops it); more "
                      "tokens: riskwarn users add NAME --role viewer|officer|scheduler|admin")
        serve("127.0.0.1", 3000, None, 1)


if __name__ == "__main__":
    app()
