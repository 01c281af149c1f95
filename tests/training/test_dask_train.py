"""`riskwarn train --engine dask`: LightGBM fitted with `lightgbm.dask` on a local cluster,
registered and scored like the pandas engine's model."""

import numpy as np
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from features.industries import default_config
from serving.cli import app
from training import champions, tracking
from training.data import feature_names, load_features, temporal_split
from training.model import DEFAULT_PARAMS, probabilities
from training.train import fit_and_evaluate, tuned_params


def test_dask_engine_trains_registers_and_scores_like_pandas(monthly_features, registry):
    tracking.client()
    result = CliRunner().invoke(app, ["train", "--features", str(monthly_features),
                                      "--industry", "food", "--engine", "dask"])
    assert result.exit_code == 0, result.output
    version = tracking.version_by_alias("food", "challenger")
    assert version is not None and f"version {version.version} is the challenger" in (
        result.output)
    run = MlflowClient(registry).get_run(version.run_id)
    assert run.data.params["engine"] == "dask"
    for metric in ("test_roc_auc", "test_precision_at_k", "test_ece"):
        assert metric in run.data.metrics, metric

    loaded = champions.load("food", "challenger")
    assert loaded is not None and loaded.version == str(version.version)
    frame = load_features(monthly_features, "food")
    spec = default_config().industries["food"]  # type: ignore[index]
    split = temporal_split(frame, spec.horizon_days)
    names = feature_names(frame)
    scores = probabilities(loaded.model, split.test.head(50), names)
    assert np.isfinite(scores).all() and ((scores > 0) & (scores < 1)).all()
    assert scores.std() > 0

    pandas = fit_and_evaluate(split, names, {**DEFAULT_PARAMS, **tuned_params("food")},
                              spec.monthly_capacity,
                              {str(t): p for t, p in spec.tier_proportions.items()})
    dask_auc = run.data.metrics["test_roc_auc"]
    assert abs(dask_auc - pandas["metrics"]["test_roc_auc"]) < 0.03, (
        dask_auc, pandas["metrics"]["test_roc_auc"])
