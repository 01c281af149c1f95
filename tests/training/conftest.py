"""One small generated world, its monthly features and trained models, shared by the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from features.dataset import as_of_dates, build_dataset


@pytest.fixture(scope="session")
def monthly_features(market, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("features") / "features"
    build_dataset(market, out, as_of_dates([], ("2022-01-01", "2025-12-31")),
                  ["food", "ecommerce", "quasi_financial"])
    return out


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> str:
    """A fresh MLflow tracking database for this session."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlruns') / 'mlflow.db'}"
    os.environ["MLFLOW_TRACKING_URI"] = uri
    return uri


@pytest.fixture(scope="session")
def trained(monthly_features, registry):
    from training.train import train_industry

    return {key: train_industry(monthly_features, key)
            for key in ("food", "ecommerce", "quasi_financial")}
