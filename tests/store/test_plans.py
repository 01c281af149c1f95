"""Inspection plans and outcomes: round trips, one outcome per visit, audit rows, the
`inspections` rows handed back to the features, and the upgrade from a 0001 database."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import exc, func, select

from features.checks import check_table
from features.contracts import INSPECTIONS
from features.industries import INDUSTRY_KEYS
from features.loading import Sources, load_sources
from features.towns import TOWN_CODES
from serving.store import schema
from serving.store.database import alembic_config, close_databases, make_engine, open_database
from serving.store.plans import (
    RECENT_COLUMNS,
    VISIT_COLUMNS,
    OutcomeExists,
    OutcomeRefused,
    get_plan,
    latest_plan_id,
    outcomes_as_inspections,
    plan_visits,
    recent_visits,
    record_outcome,
    save_plan,
)
from serving.store.runs import start_run

pytestmark = pytest.mark.clock  # make test runs these again a year ahead

JULY_1, JULY_31 = date(2025, 7, 1), date(2025, 7, 31)
INSPECTORS = [f"I{i:04d}" for i in range(6)]


def visit_frame(n: int, *, seed: int = 0, usccs: list[str] | None = None) -> pd.DataFrame:
    """`n` visits in July 2025, about a third targeted (no inclusion probability)."""
    rng = np.random.default_rng(seed)
    kind = np.where(np.arange(n) % 3 == 0, "targeted", "random")
    first = rng.integers(0, len(INSPECTORS), n)
    second = (first + rng.integers(1, len(INSPECTORS), n)) % len(INSPECTORS)
    return pd.DataFrame({
        "date": [JULY_1 + timedelta(days=int(d)) for d in rng.integers(0, 31, n)],
        "uscc": usccs[:n] if usccs else [f"91441900{i:010d}" for i in range(n)],
        "industry": rng.choice(INDUSTRY_KEYS, n),
        "town_code": rng.choice(TOWN_CODES[:4], n),
        "inspector_ids": [[INSPECTORS[a], INSPECTORS[b]] for a, b in zip(first, second,
                                                                          strict=True)],
        "kind": kind,
        "tier": rng.choice(list("ABCD"), n),
        "probability": rng.random(n).round(4),
        "inclusion_prob": np.where(kind == "random", rng.uniform(0.01, 0.5, n).round(4), np.nan),
    })


def _save(engine, visits: pd.DataFrame, *, created_by: str | None = "zhang.san",
          run_id: int | None = None, industry: str | None = None, seed: int = 7) -> int:
    return save_plan(engine, created_by=created_by, start=JULY_1, end=JULY_31,
                     industry=industry, seed=seed, run_id=run_id,
                     inputs={"ratios": {"A": 0.3}, "towns": None, "note": "东城试点"},
                     summary={"visits": len(visits)}, visits=visits)


def _audit_rows(engine, action: str) -> list[tuple]:
    a = schema.audit_log.c
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            select(a.user_name, a.target, a.detail).where(a.action == action).order_by(a.id))]


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture(scope="module")
def sources(tiny) -> Sources:
    return load_sources(tiny)


def test_a_plan_round_trips_with_its_visits(engine):
    visits = visit_frame(60)
    run_id = start_run(engine, JULY_1, "data/demo/sources", {"food": "3"})
    plan_id = _save(engine, visits, run_id=run_id, industry="food", seed=2**62 + 5)
    plan = get_plan(engine, plan_id)
    assert plan is not None and plan.pop("created_at").tzinfo is not None
    assert plan == {"plan_id": plan_id, "created_by": "zhang.san", "start": JULY_1,
                    "end": JULY_31, "industry": "food", "seed": 2**62 + 5, "run_id": run_id,
                    "inputs": {"ratios": {"A": 0.3}, "towns": None, "note": "东城试点"},
                    "summary": {"visits": 60}}
    stored = plan_visits(engine, plan_id)
    expected = visits.sort_values(["date", "town_code", "uscc"]).reset_index(drop=True)
    assert list(stored.columns) == list(VISIT_COLUMNS)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert stored["inclusion_prob"].isna().tolist() == (stored["kind"] == "targeted").tolist()
    assert {type(d) for d in stored["date"]} == {date}
    assert get_plan(engine, plan_id + 1) is None


def test_an_inspectors_visits_in_either_slot(engine):
    visits = visit_frame(60)
    plan_id = _save(engine, visits)
    _save(engine, visit_frame(60, seed=1))  # another plan's visits stay out
    mine = plan_visits(engine, plan_id, inspector_id="I0002")
    takes = visits["inspector_ids"].map(lambda pair: "I0002" in pair)
    assert sorted(mine["uscc"]) == sorted(visits.loc[takes, "uscc"]) and len(mine) > 0
    assert mine["inspector_ids"].map(lambda pair: "I0002" in pair).all()
    assert list(mine["date"]) == sorted(mine["date"])
    assert plan_visits(engine, plan_id, inspector_id="I9999").empty
    assert list(plan_visits(engine, 999).columns) == list(VISIT_COLUMNS)


def test_latest_plan_id_is_the_plan_stored_last(engine):
    assert latest_plan_id(engine) is None
    first = _save(engine, visit_frame(5))
    assert latest_plan_id(engine) == first
    second = _save(engine, visit_frame(5), created_by=None)
    assert latest_plan_id(engine) == second > first


def test_a_plan_is_audited_in_the_same_transaction(engine):
    plan_id = _save(engine, visit_frame(12), industry="ecommerce")
    assert _audit_rows(engine, "schedule") == [
        ("zhang.san", str(plan_id),
         '{"seed":7,"start":"2025-07-01","end":"2025-07-31","industry":"ecommerce",'
         '"visits":12,"unplaced":0}')]
    with pytest.raises(exc.IntegrityError):  # no such scoring run: nothing at all is kept
        _save(engine, visit_frame(12), run_id=999)
    assert len(_audit_rows(engine, "schedule")) == 1
    assert (_count(engine, schema.plans), _count(engine, schema.plan_visits)) == (1, 12)


def test_bad_visit_frames_are_refused_before_writing(engine):
    visits = visit_frame(10)
    random = visits["kind"] == "random"
    bad = {
        "inclusion_prob": visits.drop(columns="inclusion_prob"),
        "twice": pd.concat([visits, visits.iloc[:1]], ignore_index=True),
        "kinds": visits.assign(kind="routine"),
        "inclusion probability": visits.assign(inclusion_prob=np.where(random, 0.0, np.nan)),
        "two different": visits.assign(inspector_ids=[["I0001", "I0001"]] * 10),
        "outside": visits.assign(date=date(2025, 8, 1)),
        "missing values in: tier": visits.assign(tier=None),
        r"\[0, 1\]": visits.assign(probability=1.5),
    }
    for message, frame in bad.items():
        with pytest.raises(ValueError, match=message):
            _save(engine, frame)
    with pytest.raises(ValueError, match="two different"):
        _save(engine, visits.assign(inspector_ids=[["I0001"]] * 10))
    with pytest.raises(ValueError, match="before start"):
        save_plan(engine, created_by=None, start=JULY_31, end=JULY_1, industry=None, seed=1,
                  run_id=None, inputs={}, summary={}, visits=visits)
    assert (_count(engine, schema.plans), _count(engine, schema.audit_log)) == (0, 0)


def test_save_plan_takes_timestamps_tuples_and_empty_plans(engine):
    visits = visit_frame(4).assign(date=pd.Timestamp(JULY_1))
    visits["inspector_ids"] = pd.Series([("I0001", "I0002")] * 4, dtype=object)
    plan_id = _save(engine, visits)
    assert plan_visits(engine, plan_id)["inspector_ids"].tolist() == [["I0001", "I0002"]] * 4
    empty = _save(engine, visits.iloc[:0])
    assert plan_visits(engine, empty).empty and get_plan(engine, empty)["summary"]["visits"] == 0


def test_record_outcome_stores_and_audits_it(engine):
    visits = visit_frame(5)
    plan_id = _save(engine, visits)
    uscc = visits["uscc"].iloc[2]
    stored = record_outcome(engine, plan_id=plan_id, uscc=uscc, result="rectify",
                            inspected_on=date(2025, 7, 9), note="台账不全，限期整改",
                            recorded_by="li.wei")
    assert stored.pop("recorded_at").tzinfo is not None
    assert stored == {"plan_id": plan_id, "uscc": uscc, "result": "rectify",
                      "inspected_on": date(2025, 7, 9), "note": "台账不全，限期整改",
                      "recorded_by": "li.wei"}
    assert _audit_rows(engine, "outcome") == [
        ("li.wei", f"{plan_id}/{uscc}", '{"result":"rectify"}')]


def test_a_second_outcome_raises_outcome_exists_with_the_first(engine):
    visits = visit_frame(5)
    plan_id = _save(engine, visits)
    uscc = visits["uscc"].iloc[0]
    first = record_outcome(engine, plan_id=plan_id, uscc=uscc, result="case_opened",
                           inspected_on=date(2025, 7, 3), note=None, recorded_by="li.wei")
    with pytest.raises(OutcomeExists, match="case_opened") as info:
        record_outcome(engine, plan_id=plan_id, uscc=uscc, result="no_problem",
                       inspected_on=date(2025, 7, 4), note="复查", recorded_by="wang.fang")
    assert info.value.first == first
    assert len(_audit_rows(engine, "outcome")) == 1


def test_outcomes_recorded_at_once_keep_exactly_one(engine):
    visits = visit_frame(3)
    plan_id = _save(engine, visits)
    uscc = visits["uscc"].iloc[1]

    def record(officer: int) -> str:
        try:
            record_outcome(engine, plan_id=plan_id, uscc=uscc, result="no_problem",
                           inspected_on=date(2025, 7, 2), note=None,
                           recorded_by=f"officer.{officer}")
        except OutcomeExists as exists:
            return f"exists:{exists.first['recorded_by']}"
        return f"officer.{officer}"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(record, range(6)))
    winners = [r for r in results if not r.startswith("exists:")]
    assert len(winners) == 1
    assert {r.removeprefix("exists:") for r in results} == set(winners)
    assert (_count(engine, schema.outcomes), len(_audit_rows(engine, "outcome"))) == (1, 1)


def test_outcomes_that_cannot_be_recorded_leave_nothing(engine):
    visits = visit_frame(5)
    plan_id = _save(engine, visits)
    uscc = visits["uscc"].iloc[0]
    fields = {"inspected_on": date(2025, 7, 3), "note": None, "recorded_by": "li.wei"}
    with pytest.raises(LookupError, match=rf"plan {plan_id}\b.*91441900NOTPLANNED"):
        record_outcome(engine, plan_id=plan_id, uscc="91441900NOTPLANNED", result="rectify",
                       **fields)
    with pytest.raises(LookupError, match=f"plan {plan_id + 1}"):
        record_outcome(engine, plan_id=plan_id + 1, uscc=uscc, result="rectify", **fields)
    with pytest.raises(ValueError, match="no_problem, rectify, case_opened, not_found"):
        record_outcome(engine, plan_id=plan_id, uscc=uscc, result="fine", **fields)
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    with pytest.raises(ValueError, match="future"):
        record_outcome(engine, plan_id=plan_id, uscc=uscc, result="rectify",
                       **{**fields, "inspected_on": tomorrow})
    for outside in (date(1, 1, 1), date(2025, 6, 30), date(2025, 8, 1)):  # plan: July 2025
        with pytest.raises(OutcomeRefused, match=r"outside plan .* period 2025-07-01\.\.2025-07-31"
                           ) as info:
            record_outcome(engine, plan_id=plan_id, uscc=uscc, result="rectify",
                           **{**fields, "inspected_on": outside})
        assert info.value.field == "inspected_on"
    assert (_count(engine, schema.outcomes), _audit_rows(engine, "outcome")) == (0, [])


def _record_some(engine, visits: pd.DataFrame, plan_id: int) -> None:
    days = [date(2025, 7, 2), date(2025, 7, 20), date(2025, 7, 25)]
    for i, (day, result) in enumerate(zip(days, ("no_problem", "rectify", "not_found"),
                                          strict=True)):
        record_outcome(engine, plan_id=plan_id, uscc=visits["uscc"].iloc[i], result=result,
                       inspected_on=day, note=None, recorded_by="li.wei")


def test_outcomes_as_inspections_keep_the_contract(engine, sources):
    loaded = sources["inspections"]
    empty = outcomes_as_inspections(engine)
    assert list(empty.columns) == list(INSPECTIONS.names) and empty.empty
    assert empty.dtypes.equals(loaded.dtypes)

    visits = visit_frame(6, usccs=sources["registrations"]["uscc"].tolist())
    plan_id = _save(engine, visits)
    _record_some(engine, visits, plan_id)
    rows = outcomes_as_inspections(engine)
    assert list(rows.columns) == list(INSPECTIONS.names) and len(rows) == 3
    assert rows.dtypes.equals(loaded.dtypes)
    both = pd.concat([loaded, rows], ignore_index=True)
    assert both.dtypes.equals(loaded.dtypes)
    assert check_table(both, INSPECTIONS)[1].empty  # ids, pairs, probabilities, dates all keep

    first = rows.iloc[0]
    visit = visits.iloc[0]
    assert first["inspection_id"] == f"RW-{plan_id}-{visit['uscc']}"
    assert (first["kind"], first["outcome"]) == ("targeted", "no_problem")  # visit 0: targeted
    assert first["inspector_ids"] == "|".join(visit["inspector_ids"])
    assert first["inspected_on"] == pd.Timestamp(2025, 7, 2) and pd.isna(first["inclusion_prob"])
    assert rows["kind"].tolist() == ["targeted", "random", "random"]
    assert rows["inclusion_prob"].iloc[1] == pytest.approx(visits["inclusion_prob"].iloc[1])
    today = pd.Timestamp(datetime.now(UTC).date())
    assert ((rows["known_at"] - today).abs() <= pd.Timedelta(days=1)).all()  # the bureau's day


def test_recent_visits_list_each_inspector_of_recorded_visits(engine):
    visits = visit_frame(6)
    plan_id = _save(engine, visits)
    _save(engine, visit_frame(6, seed=3))  # planned but not yet inspected: not a visit
    _record_some(engine, visits, plan_id)
    recent = recent_visits(engine, date(2025, 7, 20))
    assert list(recent.columns) == list(RECENT_COLUMNS) and len(recent) == 4
    expected = [(visits["uscc"].iloc[i], inspector, visits["kind"].iloc[i], day)
                for i, day in ((1, date(2025, 7, 20)), (2, date(2025, 7, 25)))
                for inspector in sorted(visits["inspector_ids"].iloc[i])]
    assert list(recent.itertuples(index=False, name=None)) == expected
    assert len(recent_visits(engine, date(2025, 1, 1))) == 6
    nothing = recent_visits(engine, date(2025, 8, 1))
    assert nothing.empty and list(nothing.columns) == list(RECENT_COLUMNS)


def test_a_0001_database_upgrades_to_plans_keeping_its_runs(url):
    command.upgrade(alembic_config(url), "0001")
    old = make_engine(url)
    try:
        with old.begin() as connection:  # a run as that version wrote it (no owner column)
            run_id = connection.exec_driver_sql(
                "INSERT INTO scoring_runs (started_at, status, as_of, sources, model_versions) "
                "VALUES (CURRENT_TIMESTAMP, 'complete', '2025-07-01', 'data/demo/sources', "
                "'{\"food\": \"3\"}') RETURNING id").scalar_one()
    finally:
        old.dispose()
    close_databases()
    engine = open_database(url)
    with engine.connect() as connection:
        kept = connection.execute(select(schema.scoring_runs.c.id, schema.scoring_runs.c.as_of)
                                  ).all()
    assert [tuple(r) for r in kept] == [(run_id, JULY_1)]
    plan_id = _save(engine, visit_frame(3), run_id=run_id)
    assert get_plan(engine, plan_id)["run_id"] == run_id


def test_a_city_plan_saves_every_visit(engine, capsys):
    """Speed is measured in benchmarks/ (a timed assertion fails on a loaded machine)."""
    visits = visit_frame(5000)
    started = time.perf_counter()
    plan_id = _save(engine, visits)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n{engine.dialect.name}: saved a plan of 5,000 visits in {seconds:.2f} s")
    assert _count(engine, schema.plan_visits) == 5000
    assert len(plan_visits(engine, plan_id)) == 5000


def test_unplaced_visits_are_kept_with_the_plan_and_found_by_firm(engine):
    from serving.store.unplaced import UNPLACED_COLUMNS, latest_unplaced, plan_unplaced

    both = visit_frame(9)
    placed = both.iloc[:6]
    missed = both.iloc[6:].assign(
        confirmed=[True, False, False],
        reason=["no_qualified_pair", "capacity", "recusal"])[list(UNPLACED_COLUMNS)]
    plan_id = save_plan(engine, created_by="zhang.san", start=JULY_1, end=JULY_31,
                        industry=None, seed=7, run_id=None, inputs={}, summary={},
                        visits=placed, unplaced=missed)
    back = plan_unplaced(engine, plan_id)
    assert list(back.columns) == list(UNPLACED_COLUMNS) and len(back) == 3
    assert back["confirmed"].iloc[0]  # confirmed firms first
    assert set(back["reason"]) == {"no_qualified_pair", "capacity", "recusal"}
    random = back.loc[back["kind"] == "random", "inclusion_prob"]
    assert random.between(0, 1, inclusive="right").all()
    first = missed["uscc"].iloc[0]
    found = latest_unplaced(engine, first)
    assert found is not None and found["plan_id"] == plan_id
    assert found["reason"] == "no_qualified_pair"
    assert latest_unplaced(engine, placed["uscc"].iloc[0]) is None
    later = save_plan(engine, created_by="zhang.san", start=JULY_1, end=JULY_31, industry=None,
                      seed=8, run_id=None, inputs={}, summary={},
                      visits=both.iloc[6:7])  # a later plan places the first of them
    assert later > plan_id and latest_unplaced(engine, first) is None
    with pytest.raises(ValueError, match="reason"):
        save_plan(engine, created_by=None, start=JULY_1, end=JULY_31, industry=None, seed=1,
                  run_id=None, inputs={}, summary={}, visits=placed.iloc[:0],
                  unplaced=missed.assign(reason=None))
