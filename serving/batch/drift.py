"""The nightly `drift` step: the date's scoring run against each champion's training period
(inputs) and the previous complete run (scores, tier mix), with the label delay; an HTML
report per run under `DATA_DIR/reports/drift/`, and a summary in the step's `jobs` detail
(the model page and `nightly`'s output read it)."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from features import settings
from features.build import build_as_of
from features.loading import load_sources
from features.prepare import prepare
from serving.store import runs
from serving.store.columns import load_json
from serving.store.schema import scoring_runs
from training import tracking
from training.data import feature_names, load_features
from training.drift import IndustryDrift, industry_drift

DELAY_WINDOW_DAYS = 90  # outcomes learned of in this window give the label delay


def report_dir() -> Path:
    return settings.DATA_DIR / "reports" / "drift"


def run_of(engine: Engine, as_of: date) -> tuple[Any, int | None]:
    """The latest complete run of `as_of` (id, sources, model_versions) and the id of the
    complete run before it, or Nones."""
    r = scoring_runs.c
    query = (select(r.id, r.as_of, r.sources, r.model_versions)
             .where(r.status == "complete", r.as_of <= as_of)
             .order_by(r.as_of.desc(), r.finished_at.desc(), r.id.desc()).limit(2))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    if not rows or rows[0].as_of != as_of:
        return None, None
    return rows[0], rows[1].id if len(rows) > 1 else None


def training_reference(industry: str) -> pd.DataFrame | None:
    """The champion's training rows (its features dataset over its training period), or None
    when the registry or the dataset is out of reach."""
    found = tracking.version_by_alias(industry, "champion")
    if found is None or found.run_id is None:
        return None
    params = tracking.client().get_run(found.run_id).data.params
    try:
        frame = load_features(Path(params["features"]), industry)
    except (KeyError, FileNotFoundError):
        return None
    if "train_from" in params and "train_to" in params:
        frame = frame.loc[frame["as_of"].between(params["train_from"], params["train_to"])]
    return frame


def label_delay(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> int | None:
    """Median days from a penalty's decision or a visit to the bureau learning of it, over
    those learned of in the DELAY_WINDOW_DAYS before `as_of`."""
    since = as_of - pd.Timedelta(days=DELAY_WINDOW_DAYS)
    delays = []
    for table, column in (("penalties", "decided_on"), ("inspections", "inspected_on")):
        frame = tables[table]
        frame = frame.loc[(frame["known_at"] < as_of) & (frame["known_at"] >= since)]
        delays.append((frame["known_at"] - frame[column]).dt.days)
    joined = pd.concat(delays, ignore_index=True)
    return None if joined.empty else int(joined.median())


def drift_run(engine: Engine, as_of: date, out: Path | None = None) -> dict[str, Any]:
    """Compute, write the report, and say what happened (the step's `jobs` detail)."""
    run, previous_id = run_of(engine, as_of)
    if run is None:
        raise LookupError(f"no complete scoring run of {as_of}: nothing to check")
    run_id, industries = run.id, sorted(load_json(run.model_versions))
    day = pd.Timestamp(as_of)
    loaded = load_sources(run.sources, as_of)
    current = build_as_of(prepare(loaded.tables, meta=loaded.meta), day, industries)
    scores = runs.run_frame(engine, run_id)
    previous = runs.run_frame(engine, previous_id) if previous_id else None
    delay = label_delay(loaded.tables, day)
    found = {}
    for industry in industries:  # three industries: a loop over models, not firms
        reference = training_reference(industry)
        mine = current.get(industry, pd.DataFrame())
        if reference is None or mine.empty:
            continue
        found[industry] = industry_drift(
            industry, reference, mine, feature_names(reference),
            scores.loc[scores["industry"] == industry],
            None if previous is None else previous.loc[previous["industry"] == industry],
            delay)
    path = (out or report_dir()) / f"run-{run_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run_id, as_of, found), encoding="utf-8")
    return {"run_id": run_id, "report": str(path),
            "retrain_advised": [k for k, d in found.items() if d.retrain_advised],
            "industries": {k: d.summary() for k, d in found.items()}}


def render(run_id: int, as_of: date, found: dict[str, IndustryDrift]) -> str:
    """The run's drift report: one section per industry (Chinese, with English headings)."""
    parts = [f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
             f"<title>漂移报告 Drift report · run {run_id}</title>"
             f"<h1>模型输入与评分漂移报告 · 评分批次 {run_id} · {as_of}</h1>"
             "<p>PSI（群体稳定性指数）：&lt;0.1 稳定，0.1–0.25 中度，&gt;0.25 建议重新训练。</p>"]
    for industry, d in found.items():
        advised = "建议重新训练 (retrain advised)" if d.retrain_advised else "稳定 (stable)"
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v:.4f}</td></tr>"
                       for k, v in d.inputs.head(15).items())
        tiers = "".join(f"<tr><td>{t}</td><td>{d.tiers[t]:.1%}</td><td>"
                        f"{'' if d.previous_tiers is None else f'{d.previous_tiers[t]:.1%}'}"
                        "</td></tr>" for t in d.tiers)
        parts.append(
            f"<section><h2>{html.escape(industry)}: {advised}</h2>"
            f"<p>评分分布 PSI（与上次评分相比）: "
            f"{'—' if d.score_psi is None else f'{d.score_psi:.4f}'}；"
            f"标签延迟（中位天数）: "
            f"{'—' if d.label_delay_days is None else d.label_delay_days}</p>"
            f"<table><tr><th>输入 input</th><th>PSI vs 训练期</th></tr>{rows}</table>"
            f"<table><tr><th>等级 tier</th><th>本次</th><th>上次</th></tr>{tiers}</table>"
            "</section>")
    if not found:
        parts.append("<p>无可比较的训练期数据（模型注册表或特征数据不可用）。</p>")
    return "".join(parts) + "</html>"
