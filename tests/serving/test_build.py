"""`riskwarn build`: a deployment that needs BentoML's store, not the MLflow database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from serving.store import runs
from serving.store.database import open_database
from tests.serving.conftest import AS_OF

CHECK = """
import json, sys
import pandas as pd
from serving.api.startup import load_workspace
workspace = load_workspace()
usccs = json.loads(sys.argv[1])
scored = workspace._compute(usccs, pd.Timestamp(sys.argv[2]))
print(json.dumps({"probabilities": [scored[u]["probability"] for u in usccs],
                  "models": workspace.models}))
"""


def test_build_serves_the_champions_without_the_mlflow_database(world, tmp_path):
    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "bentoml"),
           "BENTOML_DO_NOT_TRACK": "true", "MLFLOW_TRACKING_URI": world.registry,
           "RISKWARN_DATABASE_URL": world.database}
    built = subprocess.run([sys.executable, "-m", "serving.cli", "build"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "food: champion imported" in built.stdout and "built Bento riskwarn:" in built.stdout
    stored, _ = runs.warnings_page(open_database(world.database), world.run_id, limit=20)
    usccs = [r["uscc"] for r in stored]
    nowhere = tmp_path / "no-mlflow" / "mlflow.db"
    checked = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(usccs), AS_OF],
        env={**env, "RISKWARN_MODEL_STORE": "bentoml",
             "MLFLOW_TRACKING_URI": f"sqlite:///{nowhere}"},
        capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr
    answer = json.loads(checked.stdout.strip().splitlines()[-1])
    assert answer["probabilities"] == [r["probability"] for r in stored]
    assert any(m["alias"] == "champion" and m["industry"] == "food" for m in answer["models"])
    assert not nowhere.parent.exists()  # the MLflow database was never touched
