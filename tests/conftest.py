"""Shared fixtures: one small generated market per test session (per xdist worker)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from features.simulate import SimulationSpec, simulate

# the market the issue names: 20,000 entities over four years, seed 3
MARKET = SimulationSpec(20_000, date(2022, 1, 1), date(2025, 12, 31), 3)
TINY = SimulationSpec(800, date(2024, 1, 1), date(2024, 12, 31), 5)


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("market") / "sources"
    simulate(MARKET, out)
    return out


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "sources"
    simulate(TINY, out)
    return out


@pytest.fixture(scope="session", autouse=True)
def _own_mlflow(tmp_path_factory: pytest.TempPathFactory):
    """No test reaches the project's own mlruns/: a registry per test process by default
    (fixtures that need a particular one set MLFLOW_TRACKING_URI themselves)."""
    import os

    os.environ.setdefault(
        "MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}")


@pytest.fixture(scope="session", autouse=True)
def _own_prepared(tmp_path_factory: pytest.TempPathFactory):
    """No test writes prepared sources to the project's data/: a folder per test process
    (for commands run in a child process too)."""
    import os

    from features import settings

    folder = tmp_path_factory.mktemp("prepared")
    os.environ["RISKWARN_PREPARED_DIR"] = str(folder)
    settings.PREPARED_DIR = folder
