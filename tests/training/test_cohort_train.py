"""`riskwarn train` and `riskwarn tune` on an inspection cohort, exactly as on the active
one: keys are never inputs, and the temporal split is by the visits' months."""

import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from serving.cli import app
from training import tracking
from training.data import CALIBRATION_VISITS, feature_names, load_features, temporal_split

runner = CliRunner()


@pytest.fixture(scope="module")
def cohort(market, tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    result = runner.invoke(app, ["features", "--sources", str(market), "--out", str(out),
                                 "--cohort", "inspected", "--industry", "food"])
    assert result.exit_code == 0, result.output
    return out


def test_a_cohort_splits_by_the_visits_months_and_its_keys_are_not_inputs(cohort):
    frame = load_features(cohort, "food")
    assert "inspection_id" in frame and frame["as_of"].dt.day.nunique() > 1
    names = feature_names(frame)
    assert not {"inspection_id", "uscc", "industry", "as_of", "label"} & set(names)
    split = temporal_split(frame, horizon_days=0)
    months = {part: set(getattr(split, part)["as_of"].dt.to_period("M"))
              for part in ("train", "calibration", "test")}
    assert len(months["test"]) == 3
    assert max(months["train"]) < min(months["calibration"])
    assert max(months["calibration"]) < min(months["test"])
    # the latest months before the test, enough visits of both outcomes to calibrate
    span = max(months["calibration"]).ordinal - min(months["calibration"]).ordinal + 1
    assert span == len(months["calibration"])
    labels = split.calibration["label"]
    assert len(labels) >= CALIBRATION_VISITS and labels.sum() >= 5
    in_test_months = frame["as_of"].dt.to_period("M").isin(months["test"]) & frame["label"].notna()
    assert len(split.test) == in_test_months.sum() > 3  # every visit of them, not three days


def test_train_and_tune_run_on_a_cohort(cohort, tmp_path, monkeypatch):
    registry = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry)
    monkeypatch.setattr("features.settings.TUNED_DIR", tmp_path / "tuned")
    tuned = runner.invoke(app, ["tune", "--features", str(cohort), "--industry", "food",
                                "--trials", "2"])
    assert tuned.exit_code == 0, tuned.output
    trained = runner.invoke(app, ["train", "--features", str(cohort), "--industry", "food"])
    assert trained.exit_code == 0, trained.output
    tracking.client()
    version = tracking.version_by_alias("food", "challenger")
    assert version is not None
    run = MlflowClient(registry).get_run(version.run_id)
    assert "test_roc_auc" in run.data.metrics
    assert pd.Timestamp(run.data.params["test_from"]).day == 1  # a month's first visits
    inputs = json.loads((tmp_path / "tuned" / "food.json").read_text("utf-8"))
    assert inputs["params"]
