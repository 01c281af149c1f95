"""`riskwarn score`: one run, visible only when complete."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from serving.batch.score import score_run
from serving.cli import app
from serving.store import runs
from serving.store.database import open_database
from training.champions import load_all


def test_a_crash_half_way_leaves_the_previous_run_visible(served_env, tmp_path, monkeypatch):
    engine = open_database(f"sqlite:///{tmp_path / 'riskwarn.db'}")
    champions = load_all()
    first = score_run(engine, str(served_env.sources), pd.Timestamp("2025-12-01"), champions)
    assert runs.latest_run(engine).id == first.run_id
    assert first.firms > 1000 and set(first.by_tier) == {"A", "B", "C", "D"}

    real_write = runs.write_warnings

    def crash_half_way(engine, run_id, frame):
        real_write(engine, run_id, frame.iloc[: len(frame) // 2])
        raise KeyboardInterrupt  # the operator's Ctrl+C, or the machine going down

    monkeypatch.setattr(runs, "write_warnings", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        score_run(engine, str(served_env.sources), pd.Timestamp("2026-01-01"), champions)
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
