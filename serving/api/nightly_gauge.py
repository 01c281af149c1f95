"""`riskwarn_last_success_timestamp_seconds{step=...}` on /metrics: when each step of
`riskwarn nightly` last completed, read from the `jobs` table as the scrape arrives (the nightly
runs in another process, so the service cannot be told; it looks). A failing step's value stays
at its previous success, so an alert on its age fires."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import anyio
import bentoml
from sqlalchemy import Engine

from serving.store import jobs

LAST_SUCCESS = bentoml.metrics.Gauge(
    name="riskwarn_last_success_timestamp_seconds",
    documentation="when each step of `riskwarn nightly` last completed (Unix seconds)",
    labelnames=["step"], multiprocess_mode="max")  # workers agree: the latest is the largest


def refresh(engine: Engine) -> dict[str, float]:
    """Set the gauge from the `jobs` table; returns the values set."""
    values = {step: at.timestamp() for step, at in jobs.last_success(engine).items()}
    for step, seconds in values.items():
        LAST_SUCCESS.labels(step=step).set(seconds)
    return values


class NightlyGauge:
    """ASGI middleware: refreshes the gauge just before /metrics is answered."""

    def __init__(self, app: Any, engine: Callable[[], Engine]):
        self.app, self.engine = app, engine

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") == "/metrics":
            # the metrics page never fails for want of the database
            with contextlib.suppress(Exception):
                await anyio.to_thread.run_sync(refresh, self.engine())
        await self.app(scope, receive, send)
