"""The service's state from the environment, read once by each worker at start.

`RISKWARN_DATABASE_URL` (default SQLite at data/riskwarn.db), `MLFLOW_TRACKING_URI` (the
registry the champions come from), `RISKWARN_SOURCES` (optional; by default the sources of the
latest scoring run) and `RISKWARN_MODEL_STORE=bentoml` to load the champions that `riskwarn
build` put in BentoML's model store instead of MLflow's registry; `riskwarn serve` gives its
workers `RISKWARN_CHAMPIONS`, the champions it loaded once for all (`training.served`). At
start every scoring run left `running` by a process that has ended is marked failed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from serving.store import runs
from serving.store.database import open_database
from serving.workspace.scores import Workspace
from training import served
from training.served import Champion


def load_workspace() -> Workspace:
    """The service's state from the environment (see the module docstring)."""
    engine = open_database()
    runs.fail_abandoned(engine)  # a `score` killed mid-run is failed, never left running
    loaded, summaries = load_champions()
    return Workspace(engine, loaded, os.environ.get("RISKWARN_SOURCES") or None, summaries)


def load_champions() -> tuple[dict[str, Champion], list[dict[str, Any]]]:
    """The champions and model summaries: from the file `riskwarn serve` kept for its workers,
    else from BentoML's model store (`RISKWARN_MODEL_STORE=bentoml`) or MLflow's registry.
    MLflow is imported only for the last two."""
    if os.environ.get(served.KEPT_ENV):
        kept = served.read(Path(os.environ[served.KEPT_ENV]))
        return kept.champions, kept.summaries
    if os.environ.get("RISKWARN_MODEL_STORE") == "bentoml":
        from serving.api import bento_store

        return bento_store.load_champions(), bento_store.load_summaries()
    from training import champions

    return champions.load_all(), champions.summaries()
