"""The overview's aggregation (`serving.ui.overview`) over hand-made runs in a fresh database:
the heat map's cells, tier counts, firms moving into and out of C–D, and the trend."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from serving.store import runs
from serving.store.database import open_database
from serving.ui import charts, overview

EAST, SOUTH = "441900003000", "441900004000"


def _run(engine, as_of: str, tiers: dict[str, str], status: str = "complete") -> int:
    """A run scoring firms f1..fn: the tier as given, probability by tier."""
    probability = {"A": 0.02, "B": 0.1, "C": 0.3, "D": 0.7}
    frame = pd.DataFrame([
        {"uscc": uscc, "name": f"企业{uscc}", "industry": "food" if i % 2 else "drugs",
         "town_code": EAST if i < 4 else SOUTH, "as_of": as_of,
         "probability": probability[tier] + i / 1000, "tier": tier, "reasons": None,
         "model_version": "1"} for i, (uscc, tier) in enumerate(tiers.items())])
    run_id = runs.start_run(engine, pd.Timestamp(as_of), "test", {"food": "1"})
    runs.write_warnings(engine, run_id, frame)
    if status == "complete":
        runs.finish_run(engine, run_id, len(frame))
    else:
        runs.fail_run(engine, run_id, "test")
    return run_id


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('overview') / 'o.db'}")
    first = _run(engine, "2025-12-01", {"f0": "A", "f1": "C", "f2": "D", "f3": "B",
                                        "f4": "A", "f5": "D"})
    _run(engine, "2025-12-15", {"f0": "D"}, status="failed")  # never shown
    latest = _run(engine, "2026-01-01", {"f0": "D", "f1": "B", "f2": "D", "f3": "C",
                                         "f4": "A", "f5": "A", "f6": "C"})
    return engine, first, latest


def test_runs_counts_and_moves(two_runs):
    engine, first, latest = two_runs
    assert overview.day_runs(engine) == [overview.DayRun(first, date(2025, 12, 1)),
                                         overview.DayRun(latest, date(2026, 1, 1))]
    assert overview.tier_counts(engine, latest, None) == {"A": 2, "B": 1, "C": 2, "D": 2}
    assert overview.tier_counts(engine, first, frozenset({SOUTH})) == {
        "A": 1, "B": 0, "C": 0, "D": 1}
    moved = overview.moved(engine, latest, first, None)
    assert (moved["up"], moved["down"]) == (2, 2)  # f0, f3 up (f6 is new); f1, f5 down
    assert [r["uscc"] for r in moved["top"]] == ["f0", "f3"]
    assert moved["top"][0]["previous_tier"] == "A"
    assert overview.moved(engine, latest, first, frozenset({SOUTH}))["up"] == 0


def test_heat_cells_and_trend(two_runs):
    engine, _, latest = two_runs
    cells = {(c["town_code"], c["industry"]): c for c in overview.heat_cells(engine, latest,
                                                                             None)}
    assert cells[(EAST, "drugs")]["firms"] == 2 and cells[(EAST, "drugs")]["share"] == 1.0
    assert cells[(SOUTH, "food")]["share"] == 0.0
    assert {c["town_code"] for c in overview.heat_cells(engine, latest,
                                                        frozenset({SOUTH}))} == {SOUTH}
    series = overview.trend(engine, overview.day_runs(engine), None)
    assert series == {"drugs": [pytest.approx(1 / 3), pytest.approx(3 / 4)],
                      "food": [pytest.approx(2 / 3), pytest.approx(1 / 3)]}
    svg = charts.multi_line_chart(["2025-12-01", "2026-01-01"], series, "trend")
    assert svg.count("<polyline") == 2 and "drugs" in svg
    grid = charts.heat_map(["东城"], ["食品", "药品"], [[0.5, None]], [["a", "b"]], "t")
    assert grid.count('class="cell"') == 2 and "50%" in grid
