"""Deployment without the MLflow database: `riskwarn build` copies each industry's champion
into BentoML's model store (under `BENTOML_HOME`, `.bentoml/` here) with its registry summary,
and builds a Bento; a service started with `RISKWARN_MODEL_STORE=bentoml` loads from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bentoml
from bentoml._internal.bento.build_config import BentoEnvSchema
from bentoml.exceptions import NotFound

from features import settings
from features.industries import INDUSTRY_KEYS
from training import tracking
from training.champions import from_model_dir, summaries
from training.served import Champion

MODEL_FOLDER = "mlflow_model"  # where bentoml.mlflow.import_model puts the MLflow model


def store_name(industry: str) -> str:
    return tracking.model_name(industry)  # riskwarn-<industry>, as in the registry


def import_champions() -> dict[str, str]:
    """Copy every champion into BentoML's store; returns industry -> BentoML tag."""
    listed = summaries()
    tags: dict[str, str] = {}
    for key in INDUSTRY_KEYS:
        found = tracking.version_by_alias(key, "champion")
        if found is None:
            continue
        model = bentoml.mlflow.import_model(
            store_name(key), f"models:/{store_name(key)}@champion",
            labels={"industry": key, "registry_version": str(found.version)},
            metadata={"summaries": [s for s in listed if s["industry"] == key]})
        tags[key] = str(model.tag)
    return tags


def _latest(industry: str) -> bentoml.Model | None:
    try:
        return bentoml.models.get(f"{store_name(industry)}:latest")
    except NotFound:
        return None


def load_champions() -> dict[str, Champion]:
    """The champions `riskwarn build` put in BentoML's store, by industry."""
    out: dict[str, Champion] = {}
    for key in INDUSTRY_KEYS:
        model = _latest(key)
        if model is not None:
            out[key] = from_model_dir(key, model.info.labels["registry_version"],
                                      Path(model.path_of(MODEL_FOLDER)))
    return out


def load_summaries() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in INDUSTRY_KEYS:
        model = _latest(key)
        if model is not None:
            listed = model.info.metadata.get("summaries", [])
            if isinstance(listed, list):
                out.extend(dict(s) for s in listed if isinstance(s, dict))
    return out


def build_bento(tags: dict[str, str]) -> str:
    """A Bento of the service, its code and the imported champions; returns its tag."""
    bento = bentoml.bentos.build(
        "serving.api.service:RiskWarn", name="riskwarn",
        include=["features/**/*.py", "features/*.yaml", "training/*.py", "serving/**/*.py",
                 "serving/store/migrations/**", "serving/ui/templates/*.html",
                 "serving/ui/static/*", "pyproject.toml", "constraints.txt"],
        exclude=["**/__pycache__"],
        envs=[BentoEnvSchema(name="RISKWARN_MODEL_STORE", value="bentoml"),
              BentoEnvSchema(name="BENTOML_DO_NOT_TRACK", value="true")],
        python={"requirements_txt": "constraints.txt"},
        models=list(tags.values()), build_ctx=str(settings.PROJECT_ROOT))
    return str(bento.tag)
