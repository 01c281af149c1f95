"""Decisions on warnings: one per warning, never silently overwritten, audited."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select, text

from serving.store import runs
from serving.store.decisions import DecisionExists, confirmed_firms, record_decision
from serving.store.schema import audit_log
from tests.store.conftest import warning_frame

pytestmark = pytest.mark.clock  # make test runs these again a year ahead


def _run(engine) -> tuple[int, list[str]]:
    frame = warning_frame(20)
    run_id = runs.start_run(engine, date(2025, 6, 30), "/sources", {"food": "1"})
    runs.write_warnings(engine, run_id, frame)
    runs.finish_run(engine, run_id, len(frame))
    return run_id, list(frame["uscc"])


def test_a_decision_is_stored_and_audited(engine):
    run_id, firms = _run(engine)
    got = record_decision(engine, run_id=run_id, uscc=firms[0], decision="confirm",
                          reason=None, note="现场核查", decided_by="li")
    assert got["decision"] == "confirm"
    with engine.connect() as c:
        row = c.execute(select(audit_log.c.action, audit_log.c.user_name, audit_log.c.target)
                        .where(audit_log.c.action == "decision")).one()
    assert tuple(row) == ("decision", "li", f"{run_id}/{firms[0]}")


def test_the_second_decision_is_refused_and_shown_the_first(engine):
    run_id, firms = _run(engine)
    record_decision(engine, run_id=run_id, uscc=firms[1], decision="dismiss",
                    reason="已整改", note=None, decided_by="li")
    with pytest.raises(DecisionExists) as raised:
        record_decision(engine, run_id=run_id, uscc=firms[1], decision="confirm",
                        reason=None, note=None, decided_by="wang")
    assert raised.value.first["decided_by"] == "li"
    assert raised.value.first["decision"] == "dismiss"


def test_two_officers_at_once_leave_exactly_one_decision(engine):
    run_id, firms = _run(engine)
    outcomes: list[str] = []

    def decide(who: str) -> None:
        try:
            record_decision(engine, run_id=run_id, uscc=firms[2], decision="escalate",
                            reason=None, note=None, decided_by=who)
            outcomes.append("stored")
        except DecisionExists:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(f"officer{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["stored"]
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM decisions")).scalar_one() == 1
        actions = c.execute(select(audit_log.c.action).where(
            audit_log.c.target == f"{run_id}/{firms[2]}")).scalars().all()
    assert sorted(actions) == ["decision"] + ["decision refused"] * 3  # every attempt


def test_dismissing_needs_a_reason_and_decisions_are_known_words(engine):
    run_id, firms = _run(engine)
    with pytest.raises(ValueError, match="reason"):
        record_decision(engine, run_id=run_id, uscc=firms[3], decision="dismiss",
                        reason="  ", note=None, decided_by="li")
    with pytest.raises(ValueError, match="decision"):
        record_decision(engine, run_id=run_id, uscc=firms[3], decision="ignore",
                        reason=None, note=None, decided_by="li")


def test_confirmed_firms_are_the_confirmations_of_that_run(engine):
    run_id, firms = _run(engine)
    for uscc, decision in zip(firms[:4], ["confirm", "dismiss", "confirm", "escalate"],
                              strict=True):
        record_decision(engine, run_id=run_id, uscc=uscc, decision=decision,
                        reason="不属实" if decision == "dismiss" else None, note=None,
                        decided_by="li")
    assert confirmed_firms(engine, run_id) == [firms[0], firms[2]]
