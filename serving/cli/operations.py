"""The operations stage: `score`, `nightly`, `schedule`, `prune` and `users`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from serving.cli.common import (
    ModelIndustry,
    console,
    database,
    err,
    existing_sources,
    parse_date,
    structural,
)
from serving.cli.progress import progress_bar

users = typer.Typer(help="Users of the service and their tokens.", no_args_is_help=True)


def score(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    as_of: Annotated[str, typer.Option("--as-of", help="the scoring date, YYYY-MM-DD")],
) -> None:
    """Nightly batch: score every active firm with the champions into one scoring run."""
    day, sources = parse_date(as_of), existing_sources(sources)  # before anything is loaded
    import pandas as pd

    from features.loading import SourceError
    from serving.batch.score import NoChampions, score_run, steps
    from serving.store.database import open_database

    engine = database(open_database)
    try:
        with progress_bar("scoring", steps()) as step:
            outcome = score_run(engine, sources, pd.Timestamp(day), step)
    except SourceError as exc:
        raise structural(exc) from exc
    except NoChampions as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    from features.industries import INDUSTRY_KEYS
    from training.promote import why_not_scored

    for key in INDUSTRY_KEYS:
        if key not in outcome.model_versions:
            err.print(f"note: {why_not_scored(key)}", markup=False)
    tiers = ", ".join(f"{t} {n:,}" for t, n in outcome.by_tier.items())
    models = ", ".join(f"{k} v{v}" for k, v in outcome.model_versions.items())
    console.print(f"scoring run {outcome.run_id} complete: {outcome.firms:,} firms ({tiers}); "
                  f"models {models}")


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
    from serving.workspace.planning import UNPLACED_KEYS

    first, last = parse_date(start).date(), parse_date(end).date()
    if out.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(f"{out}: write .csv or .xlsx", param_hint="--out")
    engine = database(open_database)
    run = runs.latest_run(engine)
    if run is None:
        err.print("error: no scoring run yet: run `riskwarn score` first", markup=False)
        raise typer.Exit(2)
    try:
        loaded = load_sources(sources or run.sources)
        tables = loaded.tables
        request = planning.plan_request(
            first, last, planning.new_seed() if seed is None else seed,
            None if industry is ModelIndustry.all else industry.value)
        done = planning.schedule(engine, tables, run, request, f"cli:{getpass.getuser()}",
                                 neighbours=loaded.meta.town_neighbours())
    except SourceError as exc:
        raise structural(exc) from exc
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
        "unplaced": pd.DataFrame(planning.unplaced_records(done.plan.unplaced),
                                 columns=list(UNPLACED_KEYS)),
        "summary": totals, "random_by_stratum": pd.DataFrame(summary["random_by_stratum"])})
    found = summary["expected_violations"]
    console.print(f"plan {done.plan_id} (seed {done.plan.seed}): {summary['visits']} visits on "
                  f"{summary['working_days']} working days, {summary['unplaced']} of "
                  f"{summary['wanted']} wanted unplaced (see the unplaced sheet); "
                  f"expected violations found {found['plan']:.1f} (pure random "
                  f"{found['pure_random']:.1f}); wrote {out}")


class Role(StrEnum):
    viewer = "viewer"
    officer = "officer"
    scheduler = "scheduler"
    admin = "admin"


def prune(
    keep: Annotated[int, typer.Option(
        min=1, max=10_000, help="complete runs kept whole, whatever their month")] = 30,
    dry_run: Annotated[bool, typer.Option(help="say what would go, change nothing")] = False,
) -> None:
    """Thin old scoring runs: keep the latest runs and the last of each month whole; keep
    every run's row and the warnings a decision or plan refers to; delete the rest."""
    from serving.store.database import open_database
    from serving.store.retention import prune as prune_runs

    engine = database(open_database)
    done = prune_runs(engine, keep, dry_run)
    verb = "would thin" if dry_run else "thinned"
    ids = ", ".join(map(str, done.runs[:10])) + (" …" if len(done.runs) > 10 else "")
    console.print(f"{verb} {len(done.runs)} scoring run{'s' if len(done.runs) != 1 else ''}"
                  f"{f' ({ids})' if done.runs else ''}, {done.rows:,} warning rows; "
                  f"{done.kept} kept whole or thinned before (the latest {keep} and the last "
                  "of each month whole)")


def nightly(
    sources: Annotated[str, typer.Option(help="folder of the seven tables, or a SQL URL")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="the night's date, YYYY-MM-DD (default: today in the bureau's "
                        "time zone)")] = None,
    keep: Annotated[int, typer.Option(
        min=1, max=10_000, help="complete runs `prune` keeps whole")] = 30,
) -> None:
    """The operating loop for one date: validate → score → triggers → drift → prune (→ the
    monthly report on the first of a month), each step recorded; a date already done is not
    redone; a failing step exits 1 with one line."""
    from features.settings import bureau_today
    from features.towns import TOWN_NAMES
    from serving.batch.nightly import StepDone, StepFailed, nightly_steps, run_steps
    from serving.batch.score import location_of
    from serving.store.database import open_database

    day = parse_date(as_of).date() if as_of else bureau_today()
    engine = database(open_database)
    where = location_of(sources)

    def starting(step: str) -> None:
        console.print(f"{day} {step}: running", highlight=False)

    def report(done: StepDone) -> None:
        what = ", ".join(f"{k} {v}" for k, v in done.detail.items()
                         if not isinstance(v, dict | list))
        console.print(f"{day} {done.step}: " + ("done before, skipped" if done.status ==
                      "skipped" else f"done in {done.seconds:.1f} s") + (f" ({what})" if what
                      else ""), highlight=False, soft_wrap=True)
        for area in done.detail.get("areas", []) if done.step == "triggers" else []:
            console.print(f"{day} triggers: {area['rule']} in {area['town_code']} "
                          f"{TOWN_NAMES.get(area['town_code'], '')} {area['industry']}: "
                          f"{area['text_zh']}", highlight=False, soft_wrap=True)
        advised = done.detail.get("retrain_advised") if done.step == "drift" else None
        if advised:
            console.print(f"{day} drift: retrain advised for {', '.join(advised)} (report "
                          f"{done.detail.get('report')})", highlight=False, soft_wrap=True)

    try:
        results = run_steps(engine, day, nightly_steps(engine, where, day, keep), report,
                            starting)
    except StepFailed as exc:
        err.print(f"error: nightly {day}: {exc}; the previous outputs stay visible",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    ran = sum(r.status == "done" for r in results)
    console.print(f"nightly {day}: " + (f"{ran} step{'s' if ran != 1 else ''} done"
                  if ran else "already done, nothing to do"), highlight=False)


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
    engine = database(open_database)
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
    for u in list_users(database(open_database)):
        table.add_row(u["name"], u["role"], ", ".join(u["towns"] or []) or "all",
                      str(u["active"]), str(u["live_tokens"]), f"{u['created_at']:%Y-%m-%d}")
    console.print(table)


@users.command("token")
def users_token(name: Annotated[str, typer.Argument(help="the user's name")]) -> None:
    """Issue a fresh token for an existing user (older tokens keep working until revoked);
    printed once, alone on the last line, and stored hashed."""
    from serving.store.database import open_database
    from serving.store.users import new_token_for

    try:
        token = new_token_for(database(open_database), name)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    err.print(f"a new token for {name}; keep it, it is not shown again", soft_wrap=True)
    print(token)


@users.command("revoke")
def users_revoke(name: Annotated[str, typer.Argument(help="the user's name")]) -> None:
    """Revoke every token of a user."""
    from serving.store.database import open_database
    from serving.store.users import revoke_tokens

    try:
        count = revoke_tokens(database(open_database), name)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    console.print(f"revoked {count} token(s) of {name}")
