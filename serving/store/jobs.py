"""The nightly loop's record: one row per attempt of one step for one as-of date.

A step is `running` while it works, then `complete` (with what it did) or `failed` (with a
one-line reason). A date's step is done once one of its attempts is complete; the workspace's
banner and the Prometheus gauge read the latest attempt and the last success of each step.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from serving.store.columns import dump_json, load_json
from serving.store.schema import jobs


def start_job(engine: Engine, as_of: date, step: str) -> int:
    """Record a step's attempt as running; returns its id."""
    with engine.begin() as connection:
        return connection.execute(
            insert(jobs).returning(jobs.c.id),
            {"as_of": as_of, "step": step, "status": "running",
             "started_at": datetime.now(UTC), "owner": f"{socket.gethostname()}:{os.getpid()}"},
        ).scalar_one()


def finish_job(engine: Engine, job_id: int, detail: dict[str, Any] | None = None) -> None:
    """Mark the attempt complete, with what the step did."""
    _close(engine, job_id, status="complete", detail=dump_json(detail))


def fail_job(engine: Engine, job_id: int, error: str) -> None:
    """Mark the attempt failed with a one-line reason."""
    _close(engine, job_id, status="failed", error=" ".join(error.split())[:500])


def _close(engine: Engine, job_id: int, **values: Any) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        started = connection.execute(
            select(jobs.c.started_at).where(jobs.c.id == job_id)).scalar_one()
        connection.execute(update(jobs).where(jobs.c.id == job_id).values(
            finished_at=now, duration_seconds=(now - started).total_seconds(), **values))


def done_steps(engine: Engine, as_of: date) -> dict[str, dict[str, Any]]:
    """The steps complete for `as_of`, each with the detail of its completing attempt."""
    query = (select(jobs.c.step, jobs.c.detail).where(jobs.c.as_of == as_of,
                                                       jobs.c.status == "complete")
             .order_by(jobs.c.id))
    with engine.connect() as connection:
        return {row.step: load_json(row.detail) or {} for row in connection.execute(query)}


def last_success(engine: Engine) -> dict[str, datetime]:
    """When each step last completed (any as-of date): the gauge's values."""
    query = (select(jobs.c.step, func.max(jobs.c.finished_at).label("at"))
             .where(jobs.c.status == "complete").group_by(jobs.c.step))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {row.step: _aware(row.at) for row in rows if row.at is not None}


def failing(engine: Engine) -> list[dict[str, Any]]:
    """Steps whose latest attempt failed (the workspace's banner): step, as_of, error, when."""
    latest = select(func.max(jobs.c.id)).group_by(jobs.c.step).scalar_subquery()
    query = (select(jobs.c.step, jobs.c.as_of, jobs.c.error, jobs.c.finished_at)
             .where(jobs.c.id.in_(latest), jobs.c.status == "failed").order_by(jobs.c.id))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def latest_detail(engine: Engine, step: str) -> tuple[date, dict[str, Any]] | None:
    """The as-of date and detail of the step's latest complete attempt (the model page's drift
    summary), or None."""
    query = (select(jobs.c.as_of, jobs.c.detail)
             .where(jobs.c.step == step, jobs.c.status == "complete")
             .order_by(jobs.c.as_of.desc(), jobs.c.id.desc()).limit(1))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else (row.as_of, load_json(row.detail) or {})


def recent(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    """The latest attempts, newest first (the operations page)."""
    query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [{**row, "detail": load_json(row["detail"])}
                for row in connection.execute(query).mappings()]


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
