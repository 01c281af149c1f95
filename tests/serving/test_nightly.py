"""`riskwarn nightly`: three nights on sources with planted patterns, a second call that does
nothing, the triggers found with their evidence and listed by /warnings, and a failing step
that leaves the previous run visible and says so in `jobs`."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features import settings
from serving.batch.nightly import StepFailed, run_steps
from serving.cli import app
from serving.store import jobs, runs, trigger_warnings
from serving.store.database import open_database
from tests.features.plant import Planted, write_planted
from tests.serving.ui_client import sign_in

NIGHTS = ["2026-01-01", "2026-01-02", "2026-01-03"]


@dataclass
class Nights:
    url: str
    sources: str
    planted: Planted
    outputs: list[str]
    data: Path


@pytest.fixture(scope="module")
def nights(served_env, tmp_path_factory) -> Nights:
    root = tmp_path_factory.mktemp("nightly")
    planted = write_planted(served_env.sources, root / "sources", pd.Timestamp(NIGHTS[0]))
    url = f"sqlite:///{root / 'nightly.db'}"
    outputs = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKWARN_DATABASE_URL", url)
        mp.setattr(settings, "DATA_DIR", root / "data")  # the drift reports
        for night in NIGHTS:
            result = CliRunner().invoke(app, ["nightly", "--sources", str(root / "sources"),
                                              "--as-of", night])
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
    return Nights(url, str(root / "sources"), planted, outputs, root / "data")


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


def test_three_nights_three_runs_each_step_recorded(nights):
    for night, output in zip(NIGHTS, nights.outputs, strict=True):
        for step in ("validate", "score", "triggers", "drift", "prune"):
            assert f"{night} {step}: done in" in output
    engine = open_database(nights.url)
    latest = runs.latest_run(engine)
    assert latest is not None and latest.as_of == date(2026, 1, 3) and latest.id == 3
    steps = [(r["as_of"], r["step"], r["status"]) for r in jobs.recent(engine)]
    assert len(steps) == 16 and {s[2] for s in steps} == {"complete"}
    assert [s[0] for s in steps if s[1] == "report"] == [date(2026, 1, 1)]  # first of a month


def test_the_first_night_of_a_month_reports_on_the_month_just_ended(nights, tmp_path):
    from tests.serving.test_monthly_report import assert_pdf_report

    assert "2026-01-01 report: done in" in nights.outputs[0]
    assert all(" report: " not in output for output in nights.outputs[1:])
    folder = nights.data / "reports" / "monthly"
    assert sorted(p.name for p in folder.iterdir()) == ["2025-12.pdf", "2025-12.xlsx"]
    assert_pdf_report(folder / "2025-12.pdf", tmp_path, pages=7)
    as_of, detail = jobs.latest_detail(open_database(nights.url), "report")
    assert as_of == date(2026, 1, 1) and detail["month"] == "2025-12"
    assert detail["reports"] == [str(folder / "2025-12.pdf"), str(folder / "2025-12.xlsx")]


def test_each_run_has_a_drift_report_and_the_model_page_its_summary(nights):
    engine = open_database(nights.url)
    for run_id in (1, 2, 3):
        report = nights.data / "reports" / "drift" / f"run-{run_id}.html"
        text = report.read_text(encoding="utf-8")
        assert "漂移报告" in text and "food" in text and "PSI" in text
    as_of, detail = jobs.latest_detail(engine, "drift")
    assert as_of == date(2026, 1, 3) and detail["run_id"] == 3
    food = detail["industries"]["food"]
    assert food["score_psi"] is not None and food["previous_tiers"] is not None
    assert food["top_inputs"] and food["label_delay_days"] is not None


def test_the_second_call_for_a_date_does_nothing(nights, monkeypatch):
    monkeypatch.setenv("RISKWARN_DATABASE_URL", nights.url)
    again = CliRunner().invoke(app, ["nightly", "--sources", nights.sources,
                                     "--as-of", NIGHTS[-1]])
    assert again.exit_code == 0 and "already done, nothing to do" in again.output
    assert "score: done before, skipped" in again.output
    assert runs.latest_run(open_database(nights.url)).id == 3


def test_the_planted_patterns_are_open_triggers_with_their_evidence(nights):
    engine = open_database(nights.url)
    rows, _ = trigger_warnings.trigger_page(engine, limit=1000)
    found = {(r["uscc"], r["rule"]): r for r in rows}
    p = nights.planted
    surge = found[(p.surge, "complaint_surge")]
    assert {e["id"] for e in surge["evidence"]["events"]} == set(p.surge_orders)
    assert surge["fired_on"] == date(2026, 1, 1) and surge["last_fired_on"] == date(2026, 1, 3)
    assert all((c, "cluster_registration") in found for c in p.cluster)
    phoenix = found[(p.phoenix, "phoenix_firm")]
    assert p.bad_firm in {e["of"] for e in phoenix["evidence"]["events"]}
    assert len(rows) == len(found)  # three nights, still one per firm and rule


def test_warnings_filter_by_kind(nights, world, asgi_app):
    from starlette.testclient import TestClient

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", world.registry)
        mp.setenv("RISKWARN_DATABASE_URL", nights.url)
        mp.setattr(settings, "DATA_DIR", nights.data)  # where nightly wrote the drift reports
        from serving.store.users import add_user

        token = add_user(open_database(nights.url), "night-viewer", "viewer", None)
        with TestClient(asgi_app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            model = client.post("/warnings", json={"limit": 3}, headers=headers).json()
            trig = client.post("/warnings", json={"kind": "trigger", "limit": 1000},
                               headers=headers).json()
            mixed = client.post("/warnings", json={"kind": "trigger", "tier": "D"},
                                headers=headers)
            item = next(i for i in trig["items"] if i["uscc"] == nights.planted.phoenix)
            sign_in(client, token)
            page = client.get(item["trigger"]["link"].split("#")[0]).text
            models = client.get("/ui/models").text
            report = client.get("/ui/drift/3.html")
            missing = client.get("/ui/drift/99.html")
            queue = client.get("/ui/triggers?rule=complaint_surge").text
    assert {i["kind"] for i in model["items"]} == {"model"} and model["run_id"] == 3
    assert trig["total"] == len(trig["items"]) > 0
    assert item["kind"] == "trigger" and item["probability"] is None
    assert item["trigger"]["rule"] == "phoenix_firm" and item["trigger"]["events"]
    assert item["trigger"]["link"] == f"/ui/firm/{item['uscc']}#trigger-{item['trigger']['id']}"
    assert mixed.status_code == 422 and mixed.json()["field"] == "tier"
    assert f'id="trigger-{item["trigger"]["id"]}"' in page and "冒用身份" in page
    assert nights.planted.bad_firm in page  # the earlier firm's events, linked
    assert "数据漂移（2026-01-03 评分，PSI）" in models and 'class="drift-' in models
    assert 'href="/ui/drift/3.html"' in models and "漂移报告" in report.text
    assert report.status_code == 200 and missing.status_code == 404
    surge = next(i for i in trig["items"] if i["uscc"] == nights.planted.surge)
    assert f'/ui/firm/{surge["uscc"]}#trigger-{surge["trigger"]["id"]}' in queue
    assert nights.planted.phoenix not in queue  # filtered to the complaint surges


def test_a_failing_step_exits_1_with_one_line_and_leaves_the_run(nights, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("RISKWARN_DATABASE_URL", nights.url)
    engine = open_database(nights.url)
    before = jobs.last_success(engine)
    broken = tmp_path / "broken"
    shutil.copytree(nights.sources, broken)
    (broken / "penalties.parquet").write_bytes(b"not parquet")
    failed = CliRunner().invoke(app, ["nightly", "--sources", str(broken),
                                      "--as-of", "2026-01-04"])
    assert failed.exit_code == 1
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: nightly 2026-01-04: step validate "
                                                   "failed: ") and "penalties" in lines[0]
    assert "Traceback" not in failed.output
    assert runs.latest_run(engine).id == 3  # the previous run stays what everyone sees
    assert [(f["step"], f["as_of"]) for f in jobs.failing(engine)] == [
        ("validate", date(2026, 1, 4))]
    assert jobs.last_success(engine) == before


def test_officers_decide_trigger_warnings_through_the_api_and_the_page(nights, world,
                                                                        asgi_app):
    from starlette.testclient import TestClient

    from serving.store.users import add_user
    from tests.serving.ui_client import csrf_of

    engine = open_database(nights.url)
    rows, _ = trigger_warnings.trigger_page(engine, limit=1000)
    phoenix = next(r for r in rows if r["uscc"] == nights.planted.phoenix)
    cluster = next(r for r in rows if r["uscc"] == nights.planted.cluster[0])
    token = add_user(engine, "night-officer", "officer", None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", world.registry)
        mp.setenv("RISKWARN_DATABASE_URL", nights.url)
        with TestClient(asgi_app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            body = {"uscc": phoenix["uscc"], "trigger_id": phoenix["id"], "decision": "escalate",
                    "note": "移交稽查"}
            first = client.post("/decisions", json=body, headers=headers)
            second = client.post("/decisions", json={**body, "decision": "confirm"},
                                 headers=headers)
            wrong = client.post("/decisions", json={**body, "uscc": cluster["uscc"]},
                                headers=headers)
            sign_in(client, token)
            page = client.get(f"/ui/firm/{cluster['uscc']}").text
            form = re.search(rf'action="/ui/firm/{cluster["uscc"]}/trigger/{cluster["id"]}'
                             r'/decision"', page)
            done = client.post(f"/ui/firm/{cluster['uscc']}/trigger/{cluster['id']}/decision",
                               data={"csrf": csrf_of(page), "decision": "dismiss",
                                     "reason_code": "handled"}, follow_redirects=False)
            after = client.get(f"/ui/firm/{cluster['uscc']}").text
    assert first.status_code == 200, first.text
    assert first.json()["trigger_id"] == phoenix["id"] and first.json()["run_id"] is None
    assert second.status_code == 409 and second.json()["first"]["decision"] == "escalate"
    assert wrong.status_code == 404 and wrong.json()["field"] == "trigger_id"
    assert form is not None and done.status_code == 303
    assert f'id="trigger-{cluster["id"]}" class="trigger trigger-closed"' in after
    open_now = {r["id"] for r in trigger_warnings.trigger_page(engine, limit=1000)[0]}
    assert phoenix["id"] not in open_now and cluster["id"] not in open_now


def test_a_planted_area_surge_is_in_nightly_output_and_the_months_triggers(nights):
    from serving.batch.monthly import parse_month, trigger_table
    from serving.batch.monthly_io import area_firings

    town = nights.planted.area_town
    assert f"area_complaint_surge in {town}" in nights.outputs[0]
    assert "近30天该镇街本行业投诉举报" in nights.outputs[0]
    engine = open_database(nights.url)
    areas = area_firings(engine, parse_month("2026-01"))
    assert list(zip(areas["town_code"], areas["industry"], strict=True)) == [(town, "food")]
    assert list(areas["fired_on"]) == [date(2026, 1, 1)]  # once a month, three nights in surge
    table = trigger_table(areas, parse_month("2026-01")).set_index("rule")
    assert table.loc["area_complaint_surge", ["fired", "decided", "open"]].tolist() == [1, 0, 0]
    rows, _ = trigger_warnings.trigger_page(engine, limit=1000)
    assert "area_complaint_surge" not in {r["rule"] for r in rows}  # no firm warning for it
