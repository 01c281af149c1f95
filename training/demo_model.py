"""A registered model to report on, made on first use.

Each industry's `champion` comes from the MLflow registry (`MLFLOW_TRACKING_URI`, else
`mlruns/`). When there is none yet, the steps `riskwarn demo` runs are run for that industry
alone (demo features, train, promotion gate); when the gate refuses, the challenger is reported
on instead, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from features.dataset import MANIFEST
from features.demo_data import ensure_features
from training import champions, tracking
from training.promote import decide
from training.served import Champion
from training.train import train_industry


@dataclass
class ReportModel:
    """The model a report reads, with where it came from."""

    champion: Champion      # the loaded model (under `alias`)
    alias: str              # "champion", or "challenger" when the gate refused it
    run_id: str             # its training run in MLflow
    features: Path          # the feature dataset its test period comes from
    steps: list[str] = field(default_factory=list)  # what had to be done to get it

    @property
    def sources(self) -> str:
        """The sources its feature dataset was built from (a folder or a SQL URL)."""
        return str(json.loads((self.features / MANIFEST).read_text("utf-8"))["sources"])

    @property
    def params(self) -> dict[str, str]:
        return dict(tracking.client().get_run(self.run_id).data.params)

    @property
    def metrics(self) -> dict[str, float]:
        return dict(tracking.client().get_run(self.run_id).data.metrics)


def _features_of(run_id: str) -> Path | None:
    path = tracking.client().get_run(run_id).data.params.get("features")
    return Path(path) if path and (Path(path) / MANIFEST).exists() else None


def ensure_champion(industry: str) -> ReportModel:
    """The industry's champion, trained and put through the gate on the demo data if the
    registry has none (the challenger if the gate refuses it)."""
    tracking.client()
    steps: list[str] = []
    if tracking.version_by_alias(industry, "champion") is None:
        if tracking.version_by_alias(industry, "challenger") is None:
            data = ensure_features([industry])
            trained = train_industry(data, industry)
            steps.append(f"trained version {trained.version} on {data}")
        decision = decide(industry)
        steps.append(f"promotion gate: {decision.reason}")
    alias = "champion" if tracking.version_by_alias(industry, "champion") else "challenger"
    version = tracking.version_by_alias(industry, alias)
    loaded = champions.load(industry, alias)
    if version is None or loaded is None or version.run_id is None:
        raise LookupError(f"{industry}: no {alias} in {tracking.tracking_uri()}")
    features = _features_of(version.run_id) or ensure_features([industry])
    return ReportModel(loaded, alias, version.run_id, features, steps)
