"""`riskwarn nightly`: three nights, a second call that does nothing, a failing step that leaves
the previous run visible and says so in `jobs`."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from serving.batch.nightly import StepFailed, run_steps
from serving.cli import app
from serving.store import jobs, runs
from serving.store.database import open_database

NIGHTS = ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_run_steps_records_each_step_and_resumes_after_a_failure(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'jobs.db'}")
    night = date(2026, 1, 5)
    calls: list[str] = []

    def broken() -> dict:
        calls.append("b")
        raise ValueError("registrations.parquet: column uscc: missing")

    with pytest.raises(StepFailed, match=r"step b failed: registrations\.parquet"):
        run_steps(engine, night, [("a", lambda: calls.append("a") or {"n": 1}), ("b", broken)])
    assert [f["step"] for f in jobs.failing(engine)] == ["b"]
    assert set(jobs.last_success(engine)) == {"a"}

    done = run_steps(engine, night, [("a", lambda: calls.append("a") or {}),
                                     ("b", lambda: calls.append("b") or {"ok": True})])
    assert calls == ["a", "b", "b"]  # a was not redone
    assert [(d.step, d.status) for d in done] == [("a", "skipped"), ("b", "done")]
    assert jobs.failing(engine) == [] and set(jobs.last_success(engine)) == {"a", "b"}
    rows = jobs.recent(engine)
    assert [r["status"] for r in rows] == ["complete", "failed", "complete"]
    assert all(r["duration_seconds"] >= 0 for r in rows)


def test_three_nights_then_nothing_then_a_failure_that_leaves_the_run(
        served_env, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'nightly.db'}"
    monkeypatch.setenv("RISKWARN_DATABASE_URL", url)
    runner = CliRunner()
    sources = str(served_env.sources)
    for night in NIGHTS:
        result = runner.invoke(app, ["nightly", "--sources", sources, "--as-of", night])
        assert result.exit_code == 0, result.output
        assert f"{night} score: done in" in result.output
    engine = open_database(url)
    latest = runs.latest_run(engine)
    assert latest is not None and latest.as_of == date(2026, 1, 3) and latest.id == 3

    again = runner.invoke(app, ["nightly", "--sources", sources, "--as-of", NIGHTS[-1]])
    assert again.exit_code == 0 and "already done, nothing to do" in again.output
    assert "score: done before, skipped" in again.output
    assert runs.latest_run(engine).id == 3

    before = jobs.last_success(engine)
    broken = tmp_path / "broken"
    shutil.copytree(sources, broken)
    (broken / "penalties.parquet").write_bytes(b"not parquet")
    failed = runner.invoke(app, ["nightly", "--sources", str(broken), "--as-of", "2026-01-04"])
    assert failed.exit_code == 1
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: nightly 2026-01-04: step validate "
                                                   "failed: ") and "penalties" in lines[0]
    assert "Traceback" not in failed.output
    assert runs.latest_run(engine).id == 3  # the previous run stays what everyone sees
    assert [(f["step"], f["as_of"]) for f in jobs.failing(engine)] == [
        ("validate", date(2026, 1, 4))]
    assert jobs.last_success(engine) == before
