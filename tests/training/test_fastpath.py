"""The serving fast path is derived from the logged model and must agree with it exactly."""

from __future__ import annotations

import mlflow
import numpy as np

from training import tracking
from training.champions import from_model_dir
from training.data import feature_names, load_features
from training.metrics import RULE_POINTS
from training.model import inputs, pipeline_of, probabilities
from training.reasons import contributions


def test_fast_path_gives_the_logged_models_probabilities_and_contributions(
        trained, monthly_features):
    run = trained["food"]
    tracking.client()  # MLflow's process-wide URI: this session's registry, whatever ran before
    path = mlflow.artifacts.download_artifacts(run.model_uri)
    champion = from_model_dir("food", run.version, path)
    frame = load_features(monthly_features, "food")
    frame = frame.loc[frame["as_of"] == frame["as_of"].max()].head(3000).reset_index(drop=True)
    frame.loc[:5, "town_code"] = "unheard-of town"  # unknown category: the encoder's -1
    names = feature_names(frame)
    assert champion.features == names
    pyfunc = mlflow.pyfunc.load_model(path).predict(inputs(frame, names))
    expected = np.asarray(pyfunc)[:, 1]
    x = champion.fast.encode(frame)
    assert np.array_equal(champion.fast.predict(x), expected)
    assert np.array_equal(champion.fast.predict(x[:1], threads=1), expected[:1])
    assert np.array_equal(probabilities(champion.model, frame, names), expected)
    lightgbm = contributions(pipeline_of(champion.model), inputs(frame, names))
    assert champion.fast.blend == 1.0  # the points rule re-ranked by LightGBM
    expected = lightgbm * champion.fast.blend
    for column, points in RULE_POINTS.items():
        expected[column] += points * frame[column].to_numpy(dtype=float)
    assert np.allclose(champion.fast.contributions(x).to_numpy(), expected.to_numpy(),
                       atol=1e-12)


def test_reasons_in_percentage_points_add_up_to_the_shown_probability(trained,
                                                                     monthly_features):
    run = trained["quasi_financial"]
    tracking.client()
    champion = from_model_dir("quasi_financial", run.version,
                              mlflow.artifacts.download_artifacts(run.model_uri))
    frame = load_features(monthly_features, "quasi_financial")
    frame = frame.loc[frame["as_of"] == frame["as_of"].max()].reset_index(drop=True)
    x = champion.fast.encode(frame)
    shown = champion.fast.predict(x)
    effects = champion.fast.effects(x).to_numpy()
    _, base = champion.fast._parts(x, 0)
    typical = champion.fast.curve(base)
    assert np.allclose(typical + effects.sum(axis=1) / 100, shown, atol=1e-9)
    # each part keeps the sign of its contribution to the score
    contrib = champion.fast.contributions(x).to_numpy()
    assert np.all(np.sign(effects[np.abs(effects) > 1e-9])
                  == np.sign(contrib[np.abs(effects) > 1e-9]))
