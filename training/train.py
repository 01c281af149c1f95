"""`riskwarn train`: one industry's model from the feature dataset, evaluated on the held-out
period, logged to MLflow with its plots and card, and registered as the `challenger`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature

from features import settings
from features.industries import Industry, default_config
from training import bias, plots, tracking
from training.card import model_card
from training.data import (
    Split,
    calibration_target,
    districts_of,
    feature_names,
    load_split,
)
from training.evaluate import evaluate_period
from training.identity import identity, same_as
from training.metrics import points_rule
from training.model import (
    DEFAULT_PARAMS,
    LABEL,
    Fitter,
    Target,
    fit,
    inputs,
    pipeline_of,
    probabilities,
)
from training.reasons import contributions, reference_values
from training.tier_check import tier_calibration, tier_metrics, tier_section
from training.tiers import tier_cutoffs

TRUSTED = ["lightgbm.sklearn.LGBMClassifier", "lightgbm.basic.Booster",
           "collections.OrderedDict", "lightgbm.basic._LGBM_BoosterHandle", "numpy.dtype",
           "training.model.Calibrated", "training.model.RuleBlend",
           "training.calibration.CentredIsotonic"]

@dataclass
class Trained:
    industry: str
    run_id: str
    version: str
    metrics: dict[str, float]
    bias_passes: bool
    model_uri: str = ""
    unchanged: bool = False  # the same model is registered already (`version`): not refitted


def tuned_params(industry: str) -> dict[str, Any]:
    """The last values `riskwarn tune` chose for the industry, or the defaults."""
    path = settings.TUNED_DIR / f"{industry}.json"
    return json.loads(path.read_text("utf-8"))["params"] if path.exists() else {}


def fit_and_evaluate(split: Split, features: list[str], params: dict[str, Any], k: int,
                     proportions: dict[str, float], fitter: Fitter = fit,
                     horizon_days: int | None = None, target: Target = LABEL,
                     districts: dict[str, str] | None = None) -> dict[str, Any]:
    """The model, its test metrics, tier cut-offs, reference values and bias audit (and the
    points rule's, for comparison: `rule_bias_audit_passes`)."""
    model = fitter(split.train, split.calibration, features, params, target)
    test_scores = probabilities(model, split.test, features)
    metrics = evaluate_period(split.test, test_scores, k, horizon_days, target.column)
    audit = bias.audit(split.test, bias.flag_top_k(split.test, test_scores, k), districts)
    rule_audit = bias.audit(split.test, bias.flag_top_k(split.test, points_rule(split.test), k),
                            districts)
    metrics["rule_bias_audit_passes"] = float(bias.passes(rule_audit))
    calibration_scores = probabilities(model, split.calibration, features)
    cutoffs = tier_cutoffs(calibration_scores, proportions)
    tiers = tier_calibration(split.test, test_scores, cutoffs, horizon_days, target.column)
    metrics.update(tier_metrics(tiers))
    return {
        "model": model, "test_scores": test_scores, "metrics": metrics, "audit": audit,
        "cutoffs": cutoffs, "tiers": tiers,
        "reference": reference_values(split.calibration, features),
    }


def _figures(split: Split, result: dict[str, Any], features: list[str], k: int
             ) -> dict[str, Any]:
    test, scores = split.test, result["test_scores"]
    pipeline = pipeline_of(result["model"])
    booster = pipeline.named_steps["model"].booster_
    names = list(pipeline.named_steps["encode"].get_feature_names_out())
    sample = test.sample(min(len(test), 2000), random_state=0)
    shap = contributions(pipeline, inputs(sample, features)).abs().mean()
    rng = np.random.default_rng(0)
    return {
        "plots/calibration.png": plots.calibration_curve(test["label"].to_numpy(float), scores),
        "plots/precision_at_k.png": plots.precision_curve(
            test, {"model": scores, "points rule": points_rule(test),
                   "random": rng.random(len(test))}, k),
        "plots/feature_importance.png": plots.bar_chart(
            pd.Series(booster.feature_importance("gain"), index=names), "Feature importance",
            "total gain"),
        "plots/shap_summary.png": plots.bar_chart(shap, "SHAP summary (pred_contrib)",
                                                  "mean |contribution| to log-odds"),
        "plots/bias_audit.png": plots.bias_chart(result["audit"]),
        "plots/tier_calibration.png": plots.tier_reliability(result["tiers"]),
    }


def _split_and_fit(features: Path, industry: str, spec: Industry, chosen: dict[str, Any],
                   engine: str, scheduler: str | None) -> tuple[Split, list[str], dict[str, Any]]:
    """The temporal split and `fit_and_evaluate`'s result, the booster fitted by `engine`."""
    k = spec.monthly_capacity
    proportions: dict[str, float] = {str(t): p for t, p in spec.tier_proportions.items()}
    window = spec.random_window_days  # random inspections' outcomes: their window
    if engine == "dask":
        from training import dask_fit

        with dask_fit.cluster(scheduler) as client:
            split, names, rows = dask_fit.load_split(features, industry, spec)
            target = Target(calibration_target(spec, split.test.columns), window)
            return split, names, fit_and_evaluate(split, names, chosen, k, proportions,
                                                  dask_fit.fitter(client, rows), window, target,
                                                  districts_of(features))
    split = load_split(features, industry, spec, float32_train=True)
    target = Target(calibration_target(spec, split.train.columns), window)
    names = feature_names(split.train)
    return split, names, fit_and_evaluate(split, names, chosen, k, proportions,
                                          horizon_days=window, target=target,
                                          districts=districts_of(features))


def train_industry(features: Path, industry: str, params: dict[str, Any] | None = None,
                   seed: int = 0, register: bool = True, engine: str = "pandas",
                   scheduler: str | None = None) -> Trained:
    """Train, evaluate, log and register one industry's model as the challenger (or, with
    `register=False`, only log it: `retrain` registers once every step has succeeded).
    `engine="dask"` fits the booster with `lightgbm.dask` on the cluster at `scheduler` (by
    default a local one); everything else is the same. A model identical to the challenger or
    champion (`training.identity`) is not trained or registered again."""
    config = default_config()
    spec = config.industries[industry]  # type: ignore[index]
    chosen = {**DEFAULT_PARAMS, **tuned_params(industry), **(params or {})}
    tags = identity(features, industry, chosen, seed, engine)
    if register:
        tracking.client()
        for alias in ("challenger", "champion"):
            same = same_as(industry, alias, tags)
            if same is not None:
                return Trained(industry, "", same, {}, True, unchanged=True)
    k = spec.monthly_capacity
    split, names, result = _split_and_fit(features, industry, spec, chosen, engine, scheduler)
    period = split.describe()
    bias_ok = bias.passes(result["audit"])
    card = model_card(industry, period, result["metrics"], chosen, result["cutoffs"],
                      bias.summary(result["audit"]), names) + tier_section(result["tiers"])
    tracking.client()
    with mlflow.start_run(experiment_id=tracking.experiment_id(industry),
                          run_name=f"train-{industry}") as run:
        mlflow.log_params({**chosen, "seed": seed, "features": str(features), **period,
                           "capacity_k": k, "engine": engine})
        mlflow.set_tags({"industry": industry, **tags, "kind": "train",
                         "bias_audit": bias.summary(result["audit"])[:4000]})
        mlflow.log_metrics({m: v for m, v in result["metrics"].items() if np.isfinite(v)})
        mlflow.log_metric("bias_audit_passes", float(bias_ok))
        for path, figure in _figures(split, result, names, k).items():
            mlflow.log_figure(figure, path)
            plots.close(figure)
        mlflow.log_text(card, "model_card.md")
        mlflow.log_text(result["audit"].to_csv(index=False), "bias_audit.csv")
        mlflow.log_text(result["tiers"].to_csv(index=False), "tier_calibration.csv")
        mlflow.log_text(config_text(), "config/industries.yaml")
        example = inputs(split.test.head(5), names)
        model = result["model"]
        info = mlflow.sklearn.log_model(
            model, name="model",
            registered_model_name=tracking.model_name(industry) if register else None,
            signature=infer_signature(example, model.predict_proba(example)),
            input_example=example, pyfunc_predict_fn="predict_proba",
            skops_trusted_types=TRUSTED,
            metadata={"industry": industry, "features": names, "tier_cutoffs":
                      result["cutoffs"], "reference": result["reference"], "capacity_k": k,
                      "test_period": period},
        )
        version = str(info.registered_model_version) if register else ""
    if register:
        tracking.set_alias(industry, "challenger", version)
    return Trained(industry, run.info.run_id, version, result["metrics"], bias_ok,
                   info.model_uri)


def config_text() -> str:
    from importlib import resources

    return resources.files("features").joinpath("industries.yaml").read_text("utf-8")
