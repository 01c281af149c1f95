"""Trigger warnings: one open per firm and rule, refreshed while it fires, closed by a
decision, and reopened only by newer evidence."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from serving.store import trigger_warnings as tw
from serving.store.decisions import DecisionExists

FIRM, OTHER = "91441900MA4X07PQ5X", "914419006177625157"


def _firing(uscc: str, rule: str, latest: str, n: int = 1) -> dict:
    return {"uscc": uscc, "rule": rule, "latest_event_on": pd.Timestamp(latest),
            "text_zh": f"近30天投诉举报{n}件", "text_en": f"{n} complaints",
            "events": [{"date": latest, "table": "complaints", "id": f"o{i}", "what": "投诉",
                        "of": uscc} for i in range(n)],
            "name": "东莞市样本有限公司", "industry": "food", "town_code": "441900003000"}


def test_one_open_warning_per_firm_and_rule(engine):
    night = pd.DataFrame([_firing(FIRM, "complaint_surge", "2026-01-01", 5),
                          _firing(FIRM, "repeated_changes", "2025-12-20"),
                          _firing(OTHER, "complaint_surge", "2025-12-30")])
    first = tw.record_firings(engine, date(2026, 1, 2), night)
    assert (first.opened, first.refreshed) == (3, 0)
    again = pd.DataFrame([_firing(FIRM, "complaint_surge", "2026-01-02", 6)])
    second = tw.record_firings(engine, date(2026, 1, 3), again)
    assert (second.opened, second.refreshed) == (0, 1)
    rows, total = tw.trigger_page(engine)
    assert total == 3
    surge = next(r for r in rows if r["uscc"] == FIRM and r["rule"] == "complaint_surge")
    assert surge["fired_on"] == date(2026, 1, 2) and surge["last_fired_on"] == date(2026, 1, 3)
    assert len(surge["evidence"]["events"]) == 6 and surge["evidence"]["text_zh"].endswith("6件")


def test_a_decision_closes_it_and_only_newer_evidence_reopens(engine):
    tw.record_firings(engine, date(2026, 1, 2),
                      pd.DataFrame([_firing(FIRM, "phoenix_firm", "2025-12-10")]))
    (row,), _ = tw.trigger_page(engine, rule="phoenix_firm")
    with pytest.raises(ValueError, match="reason"):
        tw.decide(engine, row["id"], decision="dismiss", reason="", note=None,
                  decided_by="officer")
    done = tw.decide(engine, row["id"], decision="dismiss", reason="已核实", note="电话核实",
                     decided_by="officer")
    assert done["status"] == "closed" and done["note"] == "电话核实"
    with pytest.raises(DecisionExists):  # the first stands
        tw.decide(engine, row["id"], decision="confirm", reason=None, note=None,
                  decided_by="another")
    same = tw.record_firings(engine, date(2026, 1, 3),
                             pd.DataFrame([_firing(FIRM, "phoenix_firm", "2025-12-10")]))
    assert (same.opened, same.kept_closed) == (0, 1)
    assert tw.trigger_page(engine, rule="phoenix_firm")[1] == 0
    newer = tw.record_firings(engine, date(2026, 1, 9),
                              pd.DataFrame([_firing(FIRM, "phoenix_firm", "2026-01-05")]))
    assert newer.opened == 1
    history = tw.for_firm(engine, FIRM)
    assert [(h["status"], h["decision"]) for h in history] == [("open", None),
                                                               ("closed", "dismiss")]


def test_the_page_keeps_to_the_users_towns(engine):
    tw.record_firings(engine, date(2026, 1, 2),
                      pd.DataFrame([_firing(FIRM, "complaint_surge", "2026-01-01")]))
    assert tw.trigger_page(engine, towns=frozenset({"441900119000"}))[1] == 0
    assert tw.trigger_page(engine, towns=frozenset({"441900003000"}))[1] == 1
