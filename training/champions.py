"""The models serving uses: each industry's registered `champion` (or another alias), loaded
from MLflow's registry once with what scoring needs beside it (fast path, tier cut-offs,
reference values), and kept for a service's workers (`keep`, `training.served`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import mlflow
from mlflow.models import Model

from features.industries import INDUSTRY_KEYS
from training import served, tracking
from training.fastpath import FastModel
from training.promote import last_decision, version_uri
from training.served import Champion


def from_model_dir(industry: str, version: str, path: Path | str) -> Champion:
    """A champion from a local MLflow model folder (a registry download or a BentoML model)."""
    model = mlflow.sklearn.load_model(str(path))
    metadata = Model.load(str(path)).metadata or {}
    return Champion(industry, str(version), model,
                    FastModel.from_model(model, list(metadata["features"])),
                    [float(c) for c in metadata["tier_cutoffs"]],
                    {str(k): float(v) for k, v in metadata.get("reference", {}).items()},
                    metadata)


def versions(alias: str = "champion") -> dict[str, str]:
    """Each industry's version under `alias` in the registry (industries without one left
    out): a lookup, no model loaded."""
    tracking.client()
    found = {key: tracking.version_by_alias(key, alias) for key in INDUSTRY_KEYS}
    return {key: str(v.version) for key, v in found.items() if v is not None}


def load_version(industry: str, version: str) -> Champion:
    """One registered version of the industry's model, loaded."""
    path = mlflow.artifacts.download_artifacts(version_uri(industry, version))
    return from_model_dir(industry, version, path)


def load_versions(chosen: dict[str, str]) -> dict[str, Champion]:
    """These registered versions (industry -> version), loaded."""
    return {key: load_version(key, version) for key, version in chosen.items()}


def load(industry: str, alias: str = "champion") -> Champion | None:
    """The industry's model under `alias` in the registry, or None when there is none."""
    found = tracking.version_by_alias(industry, alias)
    return None if found is None else load_version(industry, str(found.version))


def load_all(alias: str = "champion") -> dict[str, Champion]:
    """Every industry that has a model under `alias`."""
    return load_versions(versions(alias))


def keep(folder: Path, alias: str = "champion") -> Path:
    """Every industry's model under `alias`, loaded, with the model summaries, as one entry in
    `folder` for workers that then need no registry (`training.served`); returns its path.
    Its name is its registry's content, so the same champions are one entry, however often
    a service starts (and whatever stopped it)."""
    chosen, listed = versions(alias), summaries()
    content = json.dumps([tracking.tracking_uri(), chosen, listed], sort_keys=True, default=str)
    path = folder / f"champions-{hashlib.sha256(content.encode()).hexdigest()}.map"
    served.write(served.Served(load_versions(chosen), listed), path)
    return path


SUMMARY_METRICS = ("test_roc_auc", "test_pr_auc", "test_brier", "test_ece",
                   "test_precision_at_k", "test_recall_at_k", "test_rule_precision_at_k",
                   "test_lift_rule", "test_lift_random", "test_random_roc_auc",
                   "test_precision_at_k_random_ipw", "test_precision_at_k_random_ipw_se",
                   "test_rule_precision_at_k_random_ipw", "test_calibration_ece")


def _periods(params: dict[str, str]) -> tuple[str | None, str | None]:
    train = (f"{params['train_from']}..{params['train_to']}" if "train_from" in params
             else None)
    test = f"{params['test_from']}..{params['test_to']}" if "test_from" in params else None
    return train, test


def summaries() -> list[dict[str, Any]]:
    """Champion and challenger per industry: version, periods, key test metrics and the
    latest promotion decision about the version."""
    out = []
    for key in INDUSTRY_KEYS:
        for alias in ("champion", "challenger"):
            found = tracking.version_by_alias(key, alias)
            if found is None or found.run_id is None:
                continue
            data = tracking.client().get_run(found.run_id).data
            train, test = _periods(data.params)
            out.append({"industry": key, "alias": alias, "version": str(found.version),
                        "train_period": train, "test_period": test,
                        "metrics": {m: float(data.metrics[m]) for m in SUMMARY_METRICS
                                    if m in data.metrics}})
            decision = last_decision(key, str(found.version))
            if decision is not None:  # BentoML's model metadata holds no None
                out[-1]["decision"] = decision
    return out
