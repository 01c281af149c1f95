"""Retention: old scoring runs thinned, the latest and one per month kept whole, what a
decision or a plan refers to kept always; a second pruning changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from typer.testing import CliRunner

from serving.cli import app
from serving.store import schema
from serving.store.decisions import record_decision
from serving.store.retention import prune, runs_to_prune
from serving.store.runs import fail_run, finish_run, latest_run, start_run, write_warnings
from tests.store.test_plans import _save, visit_frame

FIRST = date(2025, 5, 1)  # 40 nightly runs: 2025-05-01 .. 2025-06-09


def _rows(engine, run_id: int) -> int:
    w = schema.warnings.c
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(schema.warnings)
                                  .where(w.run_id == run_id)).scalar_one()


def _nights(engine, make_warnings) -> list[int]:
    ids = []
    for night in range(40):
        as_of = FIRST + timedelta(days=night)
        run_id = start_run(engine, as_of, "data/demo/sources", {"food": "3"})
        write_warnings(engine, run_id, make_warnings(6, seed=night, as_of=as_of))
        finish_run(engine, run_id, 6)
        ids.append(run_id)
    return ids


def test_the_policy_keeps_the_latest_runs_and_the_last_of_each_month():
    runs = pd.DataFrame({
        "id": range(1, 8),
        "as_of": [date(2025, 4, 29), date(2025, 4, 30), date(2025, 5, 30), date(2025, 5, 31),
                  date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)],
        "status": ["complete", "complete", "complete", "failed", "complete", "complete",
                   "running"],
        "finished_at": pd.Timestamp("2025-06-03", tz="UTC"),
        "pruned_at": [None] * 7})
    # kept whole: the two latest complete (6, 5), April's last (2), May's last (5); running 7
    assert runs_to_prune(runs, keep_latest=2) == [1, 3, 4]
    runs.loc[runs["id"] == 1, "pruned_at"] = pd.Timestamp("2025-06-03", tz="UTC")
    assert runs_to_prune(runs, keep_latest=2) == [3, 4]


def test_prune_thins_old_runs_and_keeps_what_decisions_and_plans_refer_to(engine,
                                                                           make_warnings):
    ids = _nights(engine, make_warnings)
    failed = start_run(engine, FIRST, "data/demo/sources", {"food": "3"})
    write_warnings(engine, failed, make_warnings(6, seed=99))
    fail_run(engine, failed, "killed")
    decided = make_warnings(6, seed=0, as_of=FIRST)["uscc"].iloc[0]
    record_decision(engine, run_id=ids[0], uscc=decided, decision="confirm", reason=None,
                    note=None, decided_by="li.si")
    planned = make_warnings(6, seed=1, as_of=FIRST)["uscc"].iloc[2]
    _save(engine, visit_frame(1, usccs=[planned]), run_id=ids[1])
    latest = latest_run(engine)

    done = prune(engine, keep_latest=30)
    # May's last run (the 31st, ids[30]) and the latest 30 (ids[10:]) stay whole
    assert done.runs == sorted([*ids[:10], failed])
    # a failed run's rows went with it; of the first two, the decided and the planned firm stay
    assert done.rows == 8 * 6 + 5 + 5
    for run_id in ids[10:]:
        assert _rows(engine, run_id) == 6
    assert _rows(engine, ids[0]) == 1 and _rows(engine, ids[1]) == 1
    assert _rows(engine, ids[5]) == 0 and _rows(engine, failed) == 0
    assert latest_run(engine) == latest  # what officers see does not change
    with engine.connect() as connection:  # every run keeps its row
        assert connection.execute(select(func.count()).select_from(
            schema.scoring_runs)).scalar_one() == 41
        assert connection.execute(select(func.count()).select_from(
            schema.decisions)).scalar_one() == 1

    again = prune(engine, keep_latest=30)
    assert again.runs == [] and again.rows == 0


def test_the_command_says_what_it_would_do_and_then_does_it(engine, url, make_warnings,
                                                            monkeypatch):
    ids = _nights(engine, make_warnings)
    monkeypatch.setenv("RISKWARN_DATABASE_URL", url)
    dry = CliRunner().invoke(app, ["prune", "--keep", "35", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would thin 5 scoring runs" in dry.output and "30 warning rows" in dry.output
    assert _rows(engine, ids[0]) == 6
    real = CliRunner().invoke(app, ["prune", "--keep", "35"])
    assert real.exit_code == 0 and "thinned 5 scoring runs" in real.output
    assert _rows(engine, ids[0]) == 0 and _rows(engine, ids[5]) == 6
