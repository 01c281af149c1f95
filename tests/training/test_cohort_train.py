"""`riskwarn train` and `riskwarn tune` on an inspection cohort, exactly as on the active
one: keys are never inputs, and the temporal split is by the visits' months."""

import json

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from features.build import as_text
from features.industries import default_config
from serving.cli import app
from training import tracking
from training.data import (
    CALIBRATION_VISITS,
    feature_names,
    load_features,
    load_split,
    split_for,
    temporal_split,
)

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


def _read_whole(features, industry: str) -> pd.DataFrame:
    """What `load_features` gave when it read the whole folder with pandas and sorted it."""
    frame = pd.read_parquet(features / f"industry={industry}")
    frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str))
    return as_text(frame).sort_values(["as_of", "uscc"]).reset_index(drop=True)


@pytest.mark.parametrize("kind", ["cohort", "monthly_features"])
def test_features_load_one_partition_at_a_time_into_the_same_frame(kind, request):
    """The partition-by-partition reader (less memory at city scale) gives the very frame the
    whole-folder read and sort did: rows, order (a cohort has firms visited twice a day),
    columns and dtypes."""
    features = request.getfixturevalue(kind)
    pd.testing.assert_frame_equal(load_features(features, "food"), _read_whole(features, "food"))


@pytest.mark.parametrize("kind", ["cohort", "monthly_features"])
def test_the_split_read_part_by_part_is_the_split_of_the_whole(kind, request):
    """`load_split` decides on a few columns and reads each part by itself: the very frames
    `split_for` cuts from the whole dataset."""
    features = request.getfixturevalue(kind)
    spec = default_config().industries["food"]
    whole = split_for(load_features(features, "food"), spec)
    parts = load_split(features, "food", spec)
    for name in ("train", "calibration", "test"):
        pd.testing.assert_frame_equal(getattr(parts, name), getattr(whole, name))


def test_training_rows_read_as_float32_fit_the_same_model(monthly_features):
    """`float32_train` (retraining's memory at city scale) narrows only the training rows'
    numeric inputs, to the precision the booster is given anyway: the same encoded rows, so
    the same trees and the same probabilities; labels and the other parts as they were."""
    from training.model import encode_rows, fit_pipeline, inputs, make_pipeline

    spec = default_config().industries["food"]
    wide = load_split(monthly_features, "food", spec)
    narrow = load_split(monthly_features, "food", spec, float32_train=True)
    names = feature_names(wide.train)
    numeric = [n for n in names if wide.train[n].dtype == "float64"]
    assert numeric and all(narrow.train[n].dtype == "float32" for n in numeric)
    assert narrow.train["label"].dtype == wide.train["label"].dtype
    pd.testing.assert_frame_equal(narrow.calibration, wide.calibration)

    def encoded(train):
        return encode_rows(make_pipeline(names, {}).named_steps["encode"], train, names)

    np.testing.assert_array_equal(encoded(narrow.train), encoded(wide.train))
    params = {"n_estimators": 20}
    test = inputs(wide.test, names)
    np.testing.assert_array_equal(fit_pipeline(narrow.train, names, params).predict_proba(test),
                                  fit_pipeline(wide.train, names, params).predict_proba(test))
