"""Scoring runs: only complete runs are visible, warnings pages, scores, history, bulk writes."""

from __future__ import annotations

import os
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from features.towns import TOWN_CODES
from serving.store import schema
from serving.store.columns import load_json
from serving.store.runs import (
    fail_run,
    finish_run,
    latest_run,
    score_history,
    scores_for,
    set_reasons,
    start_run,
    warnings_page,
    write_warnings,
)

pytestmark = pytest.mark.clock  # make test runs these again a year ahead

JUNE, JULY = date(2025, 6, 30), date(2025, 7, 31)
BULK_ROWS = int(os.environ.get("RISKWARN_STORE_BULK_ROWS", "5000"))  # 400000 to measure by hand


def _complete_run(engine, frame: pd.DataFrame, as_of: date = JUNE) -> int:
    run_id = start_run(engine, as_of, "data/demo/sources", {"food": "3", "ecommerce": "2"})
    write_warnings(engine, run_id, frame)
    finish_run(engine, run_id, len(frame))
    return run_id


def _warning_count(engine, run_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(schema.warnings)
                                  .where(schema.warnings.c.run_id == run_id)).scalar_one()


def test_only_a_finished_run_is_visible(engine, make_warnings):
    assert latest_run(engine) is None
    run_id = start_run(engine, JUNE, "data/demo/sources", {"food": "3"})
    write_warnings(engine, run_id, make_warnings(30))
    assert latest_run(engine) is None
    finish_run(engine, run_id, 30)
    run = latest_run(engine)
    assert run is not None
    assert (run.id, run.as_of, run.sources, run.model_versions, run.status, run.firm_count) == (
        run_id, JUNE, "data/demo/sources", {"food": "3"}, "complete", 30)
    assert run.finished_at is not None and run.started_at <= run.finished_at
    assert run.started_at.tzinfo is not None


def test_a_crash_or_failure_leaves_the_previous_run_latest(engine, make_warnings):
    june = _complete_run(engine, make_warnings(40, seed=1))
    crashed = start_run(engine, JULY, "data/demo/sources", {"food": "4"})
    write_warnings(engine, crashed, make_warnings(40, seed=2))  # then the process dies
    failed = start_run(engine, JULY, "data/demo/sources", {"food": "4"})
    write_warnings(engine, failed, make_warnings(40, seed=3))
    fail_run(engine, failed, "MemoryError while explaining")
    run = latest_run(engine)
    assert run is not None and run.id == june and run.model_versions["food"] == "3"
    assert _warning_count(engine, failed) == 0  # a failed run keeps no warnings
    with engine.connect() as connection:
        status, error = connection.execute(select(schema.scoring_runs.c.status,
                                                  schema.scoring_runs.c.error)
                                           .where(schema.scoring_runs.c.id == failed)).one()
    assert (status, error) == ("failed", "MemoryError while explaining")
    july = _complete_run(engine, make_warnings(40, seed=4), JULY)
    assert latest_run(engine).id == july


def test_latest_is_by_as_of_then_by_finish(engine, make_warnings):
    july = _complete_run(engine, make_warnings(5), JULY)
    _complete_run(engine, make_warnings(5), JUNE)  # a back-fill does not replace July
    assert latest_run(engine).id == july
    rerun = _complete_run(engine, make_warnings(5), JULY)  # a re-score of July does
    assert latest_run(engine).id == rerun


def test_closed_runs_take_no_more_warnings(engine, make_warnings):
    run_id = _complete_run(engine, make_warnings(10))
    with pytest.raises(ValueError, match="complete"):
        write_warnings(engine, run_id, make_warnings(10))
    with pytest.raises(ValueError, match="not running"):
        finish_run(engine, run_id, 10)
    with pytest.raises(ValueError, match="not running"):
        fail_run(engine, run_id, "too late")
    with pytest.raises(ValueError, match="missing"):
        write_warnings(engine, 999, make_warnings(10))
    assert latest_run(engine).status == "complete"


def test_bad_frames_are_refused_before_writing(engine, make_warnings):
    run_id = start_run(engine, JUNE, "s", {})
    frame = make_warnings(10)
    with pytest.raises(ValueError, match="tier"):
        write_warnings(engine, run_id, frame.drop(columns="tier"))
    with pytest.raises(ValueError, match="twice"):
        write_warnings(engine, run_id, pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        write_warnings(engine, run_id, frame.assign(probability=frame["probability"] + 1))
    with pytest.raises(ValueError, match="town_code"):
        write_warnings(engine, run_id, frame.assign(town_code=None))
    assert _warning_count(engine, run_id) == 0


def test_rank_is_one_for_the_highest_probability_per_industry(engine, make_warnings):
    frame = make_warnings(300)
    run_id = _complete_run(engine, frame)
    stored = pd.DataFrame(scores_for(engine, run_id, frame["uscc"].tolist()).values())
    expected = (stored.sort_values(["probability", "uscc"], ascending=[False, True])
                .groupby("industry").cumcount() + 1)
    assert (stored["rank"] == expected.sort_index()).all()
    assert set(stored.loc[stored["rank"] == 1, "industry"]) == set(frame["industry"])


def test_scores_for_returns_rows_by_uscc_with_reasons_parsed(engine, make_warnings):
    frame = make_warnings(1500)
    run_id = _complete_run(engine, frame)
    wanted = [*frame["uscc"].iloc[[0, 1, 1400]], "91441900NOTSCORED0"]
    scores = scores_for(engine, run_id, wanted)
    assert sorted(scores) == sorted(wanted[:3])  # the unknown firm is left out
    first = scores[frame["uscc"].iloc[0]]
    assert first["reasons"] == load_json(frame["reasons"].iloc[0])  # parsed, Chinese intact
    assert first["name"] == frame["name"].iloc[0] and first["as_of"] == JUNE
    assert first["probability"] == pytest.approx(frame["probability"].iloc[0])
    assert scores[frame["uscc"].iloc[1]]["reasons"] is None  # not computed
    assert len(scores_for(engine, run_id, frame["uscc"].tolist())) == 1500  # > one IN list


def test_set_reasons_stores_reasons_computed_later(engine, make_warnings):
    frame = make_warnings(3)
    run_id = _complete_run(engine, frame)
    uscc = frame["uscc"].iloc[1]
    reasons = [{"code": "complaints_90d", "text_zh": "近90天投诉 5 件", "value": 5.0}]
    set_reasons(engine, run_id, uscc, reasons)
    assert scores_for(engine, run_id, [uscc])[uscc]["reasons"] == reasons
    with pytest.raises(LookupError, match="91441900NOTSCORED0"):
        set_reasons(engine, run_id, "91441900NOTSCORED0", reasons)


def test_warnings_page_filters_orders_counts_and_pages(engine, make_warnings):
    frame = make_warnings(400)
    run_id = _complete_run(engine, frame)
    _complete_run(engine, make_warnings(400, seed=9), JULY)  # another run's rows stay out
    ordered = frame.sort_values(["probability", "uscc"], ascending=[False, True])

    rows, total = warnings_page(engine, run_id, limit=25, offset=50)
    assert total == 400
    assert [r["uscc"] for r in rows] == ordered["uscc"].iloc[50:75].tolist()

    town = TOWN_CODES[2]
    selected = ordered[(ordered["industry"] == "food") & (ordered["town_code"] == town)
                       & (ordered["tier"] == "A") & (ordered["probability"] >= 0.3)]
    rows, total = warnings_page(engine, run_id, industry="food", town_code=town, tier="A",
                                min_probability=0.3, limit=1000)
    assert total == len(selected) > 0
    assert [r["uscc"] for r in rows] == selected["uscc"].tolist()

    rows, total = warnings_page(engine, run_id, limit=0)
    assert (rows, total) == ([], 400)


def test_warnings_page_keeps_to_the_users_towns(engine, make_warnings):
    frame = make_warnings(400)
    run_id = _complete_run(engine, frame)
    mine = frozenset(TOWN_CODES[:2])
    rows, total = warnings_page(engine, run_id, towns=mine, limit=1000)
    assert total == frame["town_code"].isin(mine).sum() == len(rows) > 0
    assert {r["town_code"] for r in rows} == set(mine)
    rows, total = warnings_page(engine, run_id, towns=mine, town_code=TOWN_CODES[3])
    assert (rows, total) == ([], 0)  # asking for another town does not widen the view
    assert warnings_page(engine, run_id, towns=frozenset()) == ([], 0)
    with pytest.raises(ValueError, match="negative"):
        warnings_page(engine, run_id, offset=-1)


def test_score_history_lists_complete_runs_by_as_of(engine, make_warnings):
    july_frame = make_warnings(20, seed=2, as_of=JULY, model_version="4")
    july = _complete_run(engine, july_frame, JULY)
    june = _complete_run(engine, make_warnings(20, seed=1))
    running = start_run(engine, date(2025, 8, 31), "s", {})
    write_warnings(engine, running, make_warnings(20, seed=3, as_of=date(2025, 8, 31)))
    uscc = july_frame["uscc"].iloc[4]
    history = score_history(engine, uscc)
    assert [(h["run_id"], h["as_of"], h["model_version"]) for h in history] == [
        (june, JUNE, "3"), (july, JULY, "4")]
    assert history[1]["probability"] == pytest.approx(july_frame["probability"].iloc[4])
    assert history[1]["tier"] == july_frame["tier"].iloc[4]
    assert score_history(engine, "91441900NOTSCORED0") == []


def test_bulk_write_keeps_every_row(engine, make_warnings, capsys):
    """Speed is measured in benchmarks/ (a timed assertion fails on a loaded machine)."""
    frame = make_warnings(BULK_ROWS)
    run_id = start_run(engine, JUNE, "s", {"food": "3"})
    started = time.perf_counter()
    write_warnings(engine, run_id, frame)
    seconds = time.perf_counter() - started
    finish_run(engine, run_id, BULK_ROWS)
    with capsys.disabled():
        print(f"\n{engine.dialect.name}: wrote {BULK_ROWS:,} warnings in {seconds:.2f} s")
    assert _warning_count(engine, run_id) == BULK_ROWS


def test_pandas_and_numpy_values_are_stored_plainly(engine, make_warnings):
    frame = make_warnings(3).assign(as_of=JUNE)  # dates as date objects, not Timestamps
    frame["reasons"] = pd.Series(['[{"code":"x","value":0.5}]', float("nan"), None],
                                 dtype=object)
    run_id = start_run(engine, pd.Timestamp(JUNE), "s", {"food": "3"})
    write_warnings(engine, run_id, frame)
    finish_run(engine, run_id, 3)
    assert latest_run(engine).as_of == JUNE
    scores = scores_for(engine, run_id, frame["uscc"].tolist())
    assert [scores[u]["reasons"] for u in frame["uscc"]] == [[{"code": "x", "value": 0.5}],
                                                              None, None]
    assert {s["as_of"] for s in scores.values()} == {JUNE}


def test_reasons_that_are_not_json_text_are_refused_before_anything_is_written(engine,
                                                                               make_warnings):
    frame = make_warnings(3)
    frame["reasons"] = pd.Series([[{"code": "x", "value": np.float32(0.5)}], None, None],
                                 dtype=object)
    run_id = start_run(engine, JUNE, "s", {"food": "3"})
    with pytest.raises(ValueError, match="reasons must be JSON text"):
        write_warnings(engine, run_id, frame)
    assert _warning_count(engine, run_id) == 0
