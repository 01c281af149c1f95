"""`riskwarn score`: one run, visible only when complete."""

from __future__ import annotations

import signal
import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from features.settings import PROJECT_ROOT
from serving.batch.score import score_run
from serving.cli import app
from serving.store import runs, schema
from serving.store.database import open_database


def test_a_crash_half_way_leaves_the_previous_run_visible(served_env, tmp_path, monkeypatch):
    engine = open_database(f"sqlite:///{tmp_path / 'riskwarn.db'}")
    first = score_run(engine, str(served_env.sources), pd.Timestamp("2025-12-01"))
    assert runs.latest_run(engine).id == first.run_id
    assert first.firms > 1000 and set(first.by_tier) == {"A", "B", "C", "D"}

    real_write = runs.write_warnings

    def crash_half_way(engine, run_id, frame):
        real_write(engine, run_id, frame.iloc[: len(frame) // 2])
        raise KeyboardInterrupt  # the operator's Ctrl+C, or the machine going down

    monkeypatch.setattr(runs, "write_warnings", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        score_run(engine, str(served_env.sources), pd.Timestamp("2026-01-01"))
    latest = runs.latest_run(engine)
    assert latest.id == first.run_id and latest.as_of == pd.Timestamp("2025-12-01").date()
    _, total = runs.warnings_page(engine, latest.id, limit=1)
    assert total == first.firms


def test_score_command_prints_the_run_and_refuses_bad_dates(served_env, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKWARN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    result = runner.invoke(app, ["score", "--sources", str(served_env.sources),
                                 "--as-of", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "scoring run 1 complete" in result.output and "food v" in result.output
    bad = runner.invoke(app, ["score", "--sources", str(served_env.sources),
                              "--as-of", "2026-13-01"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_a_killed_score_run_is_marked_failed_by_the_next_run(served_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    killed_mid_run = ("import os, signal, sys, datetime\n"
                      "from serving.store.database import open_database\n"
                      "from serving.store import runs\n"
                      "runs.start_run(open_database(sys.argv[1]), datetime.date(2026, 1, 1), "
                      "'x', {})\n"
                      "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", killed_mid_run, url], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    engine = open_database(url)
    live = runs.start_run(engine, pd.Timestamp("2026-01-02").date(), "y", {})  # this process
    score_run(engine, str(served_env.sources), pd.Timestamp("2026-01-01"))
    with engine.connect() as connection:
        status = dict(connection.execute(
            select(schema.scoring_runs.c.id, schema.scoring_runs.c.status)).all())
        error = connection.execute(select(schema.scoring_runs.c.error)
                                   .where(schema.scoring_runs.c.id == 1)).scalar()
    assert status == {1: "failed", live: "running", live + 1: "complete"}
    assert "abandoned" in error


def test_score_refuses_a_missing_sources_folder_before_loading_or_recording(tmp_path,
                                                                           monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKWARN_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["score", "--sources", str(tmp_path / "nope"),
                                      "--as-of", "2026-01-01"])
    assert result.exit_code == 2 and "no such folder" in result.output
    assert not (tmp_path / "cli.db").exists()  # no database opened, so no run row


def test_score_with_no_champion_exits_2_in_one_line_and_records_no_run(served_env, tmp_path,
                                                                       monkeypatch):
    """The registry is read beside the sources (not before them); finding no champion there
    still ends the command with one line and no run recorded."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKWARN_DATABASE_URL", url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'empty' / 'mlflow.db'}")
    result = CliRunner().invoke(app, ["score", "--sources", str(served_env.sources),
                                      "--as-of", "2026-01-01"])
    assert result.exit_code == 2, result.output
    assert "no industry has a champion model yet" in result.stderr
    assert "Traceback" not in result.output
    with open_database(url).connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.scoring_runs)
                                  ).scalar() == 0
