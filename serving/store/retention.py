"""Retention: old scoring runs thinned so the database stops growing with every night.

Kept whole: the latest `keep_latest` complete runs and, before them, the last complete run of
each month (a firm's score history stays monthly), and any run still being written. Every
other run keeps its row and the warnings that a decision or a plan refers to; its other
warnings are deleted and `pruned_at` is set. Decisions, plans, outcomes and audit rows are
never touched. Running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import CompoundSelect, Engine, delete, func, select, update

from serving.store.schema import decisions, plan_visits, plans, scoring_runs
from serving.store.schema import warnings as warnings_table

KEEP_LATEST = 30  # complete runs kept whole, whatever their month


@dataclass(frozen=True)
class Pruned:
    """What a pruning did (or, dry, would do)."""

    runs: list[int]
    rows: int
    kept: int


def runs_to_prune(runs: pd.DataFrame, keep_latest: int = KEEP_LATEST) -> list[int]:
    """The runs (`id`, `as_of`, `status`, `finished_at`, `pruned_at`) the policy thins, oldest
    first: not running, not yet pruned, and neither among the latest `keep_latest` complete
    runs nor the last complete run of its month."""
    complete = runs.loc[runs["status"] == "complete"].sort_values(
        ["as_of", "finished_at", "id"], ascending=False, kind="stable")
    month = pd.to_datetime(complete["as_of"]).dt.to_period("M")
    kept = set(complete["id"].head(keep_latest)) | set(complete.loc[~month.duplicated(), "id"])
    candidates = runs.loc[(runs["status"] != "running") & runs["pruned_at"].isna()
                          & ~runs["id"].isin(kept)]
    return sorted(int(i) for i in candidates["id"])


def _runs(engine: Engine) -> pd.DataFrame:
    r = scoring_runs.c
    with engine.connect() as connection:
        rows = connection.execute(select(r.id, r.as_of, r.status, r.finished_at, r.pruned_at))
        return pd.DataFrame(rows.fetchall(),
                            columns=["id", "as_of", "status", "finished_at", "pruned_at"])


def _referenced(run_id: int) -> CompoundSelect[Any]:
    """The usccs of a run that a decision or a plan of that run refers to."""
    decided = select(decisions.c.uscc).where(decisions.c.run_id == run_id)
    planned = (select(plan_visits.c.uscc)
               .join(plans, plans.c.id == plan_visits.c.plan_id)
               .where(plans.c.run_id == run_id))
    return decided.union(planned)


def prune(engine: Engine, keep_latest: int = KEEP_LATEST, dry_run: bool = False) -> Pruned:
    """Thin every run the policy names, one transaction per run (a kill keeps every run
    either whole or thinned)."""
    runs = _runs(engine)
    chosen = runs_to_prune(runs, keep_latest)
    w = warnings_table.c
    rows = 0
    for run_id in chosen:
        doomed = (w.run_id == run_id) & w.uscc.not_in(_referenced(run_id))
        with engine.begin() as connection:
            if dry_run:
                rows += connection.execute(
                    select(func.count()).select_from(warnings_table).where(doomed)).scalar_one()
                continue
            rows += connection.execute(delete(warnings_table).where(doomed)).rowcount
            connection.execute(update(scoring_runs).where(scoring_runs.c.id == run_id)
                               .values(pruned_at=datetime.now(UTC)))
    return Pruned(chosen, int(rows), len(runs) - len(chosen))
