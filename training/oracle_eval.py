"""`riskwarn evaluate --oracle`: a registered model against the generator's hidden truth on the
same held-out rows. Evaluation code only: the one place in training/ that reads `_truth/`."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd

from features.industries import default_config
from features.simulate import TRUTH_FILE
from features.simulate.oracle import truth_for
from training import tracking
from training.data import feature_names, load_features, temporal_split
from training.evaluate import evaluate_period
from training.model import probabilities


def compare_with_oracle(industry: str, alias: str = "champion") -> pd.DataFrame:
    """Model and oracle side by side on the model's test period (metric, model, oracle)."""
    tracking.client()
    version = tracking.version_by_alias(industry, alias)
    if version is None:
        raise LookupError(f"{industry}: no model with alias {alias}")
    features = Path(tracking.client().get_run(str(version.run_id)).data.params["features"])
    sources = Path(json.loads((features / "_manifest.json").read_text("utf-8"))["sources"])
    if not (sources / TRUTH_FILE).exists():
        raise FileNotFoundError(f"{sources}: no hidden truth (only generated data has one)")
    spec = default_config().industries[industry]  # type: ignore[index]
    frame = load_features(features, industry)
    test = temporal_split(frame, spec.horizon_days).test
    model = mlflow.sklearn.load_model(f"models:/{tracking.model_name(industry)}/{version.version}")
    ours = evaluate_period(test, probabilities(model, test, feature_names(frame)),
                           spec.monthly_capacity)
    oracle = evaluate_period(test, truth_for(test, sources / TRUTH_FILE), spec.monthly_capacity)
    names = ["test_roc_auc", "test_pr_auc", "test_precision_at_k", "test_recall_at_k",
             "test_random_roc_auc"]
    table = pd.DataFrame({"metric": names, "model": [ours[n] for n in names],
                          "oracle": [oracle[n] for n in names]})
    table["model_over_oracle"] = table["model"] / table["oracle"]
    return table
