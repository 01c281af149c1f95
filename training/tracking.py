"""MLflow at the edge: tracking and registry in `sqlite:///mlruns/mlflow.db` (artifacts under
`mlruns/`), or wherever `MLFLOW_TRACKING_URI` points. One experiment per industry; models are
registered as `riskwarn-<industry>` and found by alias (`challenger`, `champion`)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from features import settings

warnings.filterwarnings("ignore", module="mlflow")
warnings.filterwarnings("ignore", category=FutureWarning)
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{settings.MLRUNS_DIR}/mlflow.db"


def artifact_root() -> Path:
    """Artifacts beside the database: `<db folder>/artifacts`."""
    uri = tracking_uri()
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).resolve().parent / "artifacts"
    return settings.MLRUNS_DIR / "artifacts"


def client() -> MlflowClient:
    uri = tracking_uri()
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(uri, uri)


def model_name(industry: str) -> str:
    return f"riskwarn-{industry}"


def experiment_id(industry: str) -> str:
    """The industry's experiment, created on first use with artifacts under mlruns/."""
    return named_experiment(model_name(industry))


def named_experiment(name: str) -> str:
    """The experiment called `name`, created on first use with its artifacts beside the
    tracking database (never in the working directory)."""
    found = client().get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = (artifact_root() / name).resolve().as_uri()
    return str(client().create_experiment(name, artifact_location=location))


def version_by_alias(industry: str, alias: str) -> ModelVersion | None:
    try:
        return client().get_model_version_by_alias(model_name(industry), alias)
    except MlflowException:
        return None


def set_alias(industry: str, alias: str, version: str) -> None:
    client().set_registered_model_alias(model_name(industry), alias, version)
