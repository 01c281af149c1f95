"""A served world: the session's generated market, a food champion trained on quarterly
features, one complete scoring run in a fresh SQLite database, and a user per role."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

AS_OF = "2026-01-01"
QUARTERS = [f"{y}-{m:02d}-{d}" for y in (2022, 2023, 2024, 2025)
            for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))][3:]


@dataclass
class World:
    sources: Path
    database: str
    registry: str
    tokens: dict[str, str]
    run_id: int


@pytest.fixture(scope="session")
def world(market, tmp_path_factory) -> World:
    from features.dataset import as_of_dates, build_dataset
    from serving.batch.score import score_run
    from serving.store.database import open_database
    from serving.store.users import add_user
    from training import tracking
    from training.train import train_industry

    root = tmp_path_factory.mktemp("served")
    registry = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    database = f"sqlite:///{root / 'riskwarn.db'}"
    saved = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = registry
    try:
        features = root / "features"
        build_dataset(market, features, as_of_dates(QUARTERS, None), ["food"])
        trained = train_industry(features, "food", seed=0)
        tracking.set_alias("food", "champion", trained.version)
        engine = open_database(database)
        outcome = score_run(engine, str(market), pd.Timestamp(AS_OF))
    finally:
        if saved is None:
            # never the project's own mlruns/ from a test: two workers would race to create
            # it; tests that use MLflow call tracking.client() with their own registry first
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved
            tracking.client()  # MLflow keeps a process-wide URI: point it back
    tokens = {role: add_user(engine, role, role, None)
              for role in ("viewer", "officer", "scheduler", "admin")}
    tokens["branch"] = add_user(engine, "branch", "officer", ["441900003000"])
    return World(market, database, registry, tokens, outcome.run_id)


@pytest.fixture(scope="module")
def served_env(world):
    """The environment `riskwarn serve` would give the service."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", world.registry)
        mp.setenv("RISKWARN_DATABASE_URL", world.database)
        mp.delenv("RISKWARN_SOURCES", raising=False)
        mp.delenv("RISKWARN_MODEL_STORE", raising=False)
        yield world


@pytest.fixture(scope="session")
def asgi_app():
    """One app per process: BentoML registers its Prometheus metrics once."""
    from serving.api.service import RiskWarn

    return RiskWarn.to_asgi()


@pytest.fixture(scope="module")
def client(served_env, asgi_app):
    """The service started (lifespan) in this module's environment."""
    from starlette.testclient import TestClient

    with TestClient(asgi_app) as c:
        yield c


def bearer(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium; `playwright install` is never run."""
    return {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def ui(served_env, asgi_app):
    """The service on a free local port (uvicorn in a thread); yields the UI's address."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ui"
    server.should_exit = True
    thread.join(timeout=10)
