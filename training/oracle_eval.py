"""`riskwarn evaluate --oracle`: a registered model beside the points rule and the generator's
hidden truth on the same held-out rows, logged to MLflow as an `oracle` run. Evaluation code
only: the one place in training/ that reads `_truth/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.industries import default_config
from features.simulate import TRUTH_FILE
from features.simulate.oracle import truth_for
from training import tracking
from training.data import calibration_target, feature_names, load_split
from training.evaluate import evaluate_period, list_shares
from training.metrics import points_rule
from training.model import probabilities
from training.tier_check import tier_calibration
from training.tiers import assign_tiers

ROWS = ["test_roc_auc", "test_pr_auc", "test_precision_at_k", "test_recall_at_k",
        "test_ece", "test_random_roc_auc", "test_precision_at_k_random_ipw",
        "test_precision_at_k_random_ipw_se", "test_truth_risk_at_k"]


def truth_risk_at_k(frame: pd.DataFrame, scores: np.ndarray, risk: np.ndarray, k: int
                    ) -> float:
    """Mean hidden risk of the firms on each as-of date's top-k list (the chance a full
    inspection finds a violation): what `precision_at_k_random_ipw` estimates, without noise."""
    share = list_shares(frame, scores, k)
    known = np.isfinite(risk) & (share > 0)
    return float(share[known] @ risk[known] / share[known].sum()) if known.any() else np.nan


def trained_on(version: Any) -> tuple[Path, Path]:
    """The feature dataset a registered model version was trained on, and its sources."""
    features = Path(tracking.client().get_run(str(version.run_id)).data.params["features"])
    return features, Path(json.loads((features / "_manifest.json").read_text("utf-8"))[
        "sources"])


def model_sources(industries: list[str], alias: str) -> Path | None:
    """The sources the first of `industries` with a model of `alias` was trained on."""
    for industry in industries:
        version = tracking.version_by_alias(industry, alias)
        if version is not None:
            return trained_on(version)[1]
    return None


def _held_out(industry: str, alias: str) -> dict[str, Any]:
    """The registered model, its test rows, their hidden risk and what the model was saved
    with (features, tier cut-offs)."""
    tracking.client()
    version = tracking.version_by_alias(industry, alias)
    if version is None:
        raise LookupError(f"{industry}: no model with alias {alias}")
    features, sources = trained_on(version)
    if not (sources / TRUTH_FILE).exists():
        raise FileNotFoundError(f"{sources}: no hidden truth (only generated data has one)")
    spec = default_config().industries[industry]  # type: ignore[index]
    test = load_split(features, industry, spec).test
    uri = f"models:/{tracking.model_name(industry)}/{version.version}"
    return {"version": str(version.version), "spec": spec, "test": test,
            "model": mlflow.sklearn.load_model(uri), "names": feature_names(test),
            "risk": truth_for(test, sources / TRUTH_FILE),
            "cutoffs": (mlflow.models.get_model_info(uri).metadata or {})["tier_cutoffs"]}


def oracle_tiers(industry: str, alias: str = "champion") -> pd.DataFrame:
    """`tier_check.tier_calibration` of the model's test rows with the tiers' mean hidden
    risk beside it (`truth`: the chance a full inspection finds a violation)."""
    held = _held_out(industry, alias)
    scores = probabilities(held["model"], held["test"], held["names"])
    spec, test = held["spec"], held["test"]
    table = tier_calibration(test, scores, held["cutoffs"], spec.random_window_days,
                             calibration_target(spec, test.columns))
    tiers = assign_tiers(scores, held["cutoffs"])
    table["truth"] = [float(np.nanmean(held["risk"][tiers == t])) if (tiers == t).any()
                      else float("nan") for t in table["tier"]]
    return table


def compare_with_oracle(industry: str, alias: str = "champion", log: bool = True
                        ) -> pd.DataFrame:
    """Model, points rule and oracle side by side on the model's test period (metric, model,
    rule, oracle, model_over_rule, model_over_oracle); logged unless `log=False`."""
    held = _held_out(industry, alias)
    spec, test, risk, version = held["spec"], held["test"], held["risk"], held["version"]
    k = spec.monthly_capacity
    lists = {"model": probabilities(held["model"], test, held["names"]),
             "rule": points_rule(test), "oracle": risk}
    table = pd.DataFrame({"metric": ROWS})
    for name, scores in lists.items():
        metrics = evaluate_period(test, scores, k, spec.random_window_days,
                                  calibration_target(spec, test.columns))
        metrics["test_truth_risk_at_k"] = truth_risk_at_k(test, scores, risk, k)
        if name != "model":  # points and hidden risk are not probabilities of the label
            metrics["test_ece"] = float("nan")
        table[name] = [metrics[row] for row in ROWS]
    table["model_over_rule"] = table["model"] / table["rule"]
    table["model_over_oracle"] = table["model"] / table["oracle"]
    if log:
        log_comparison(industry, alias, version, table)
    return table


def log_comparison(industry: str, alias: str, version: str, table: pd.DataFrame) -> None:
    """One `oracle` run in the industry's experiment: `<list>_<metric>` for model, rule and
    oracle, and the table as `oracle_comparison.csv`."""
    with mlflow.start_run(experiment_id=tracking.experiment_id(industry),
                          run_name=f"oracle-{industry}"):
        mlflow.set_tags({"kind": "oracle", "industry": industry, "alias": alias,
                         "model_version": version})
        values = {f"{name}_{row.metric}": float(getattr(row, name))
                  for row in table.itertuples() for name in ("model", "rule", "oracle")}
        mlflow.log_metrics({m: v for m, v in values.items() if np.isfinite(v)})
        mlflow.log_text(table.to_csv(index=False), "oracle_comparison.csv")
