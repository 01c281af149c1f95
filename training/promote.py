"""`riskwarn promote`: the gate that moves `champion` to the challenger only when it is better.

On the same latest held-out period (the challenger's test period, rebuilt from the feature
dataset), the challenger must have precision at capacity at least the champion's, calibration
error no worse than the champion's by more than 0.01, and a passing bias audit. The first model
of an industry becomes champion when it beats the points rule and passes the bias audit. Every
decision is logged to MLflow with its figures; a refusal is an answer, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from features.industries import default_config
from training import bias, tracking
from training.data import feature_names, load_features, temporal_split
from training.evaluate import evaluate_period
from training.identity import same_as
from training.model import probabilities

ECE_TOLERANCE = 0.01


@dataclass
class Decision:
    industry: str
    promoted: bool
    reason: str
    challenger: str | None
    champion_before: str | None
    figures: dict[str, float]


def _scores(uri: str, frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    return probabilities(mlflow.sklearn.load_model(uri), frame, names)


def version_uri(industry: str, version: str) -> str:
    return f"models:/{tracking.model_name(industry)}/{version}"


def judge(industry: str, candidate_uri: str, champion_uri: str | None, features: Path
          ) -> tuple[bool, str, dict[str, float]]:
    """The gate on the candidate's held-out period: (promote?, why, the figures compared)."""
    spec = default_config().industries[industry]  # type: ignore[index]
    frame = load_features(features, industry)
    test = temporal_split(frame, spec.horizon_days).test
    names = feature_names(frame)
    k = spec.monthly_capacity
    new_scores = _scores(candidate_uri, test, names)
    new = evaluate_period(test, new_scores, k, spec.horizon_days)
    report = bias.audit(test, bias.flag_top_k(test, new_scores, k))
    audit_ok = bias.passes(report)
    figures = {"challenger_precision_at_k": new["test_precision_at_k"],
               "challenger_ece": new["test_ece"], "rule_precision_at_k":
               new["test_rule_precision_at_k"], "challenger_bias_passes": float(audit_ok),
               "challenger_precision_at_k_random_ipw": new["test_precision_at_k_random_ipw"],
               "rule_precision_at_k_random_ipw": new["test_rule_precision_at_k_random_ipw"]}
    if champion_uri is None:
        return _first_model(new, audit_ok, bias.summary(report), figures)
    old = evaluate_period(test, _scores(champion_uri, test, names), k, spec.horizon_days)
    figures |= {"champion_precision_at_k": old["test_precision_at_k"],
                "champion_ece": old["test_ece"]}
    checks = {
        "precision at capacity at least the champion's":
            new["test_precision_at_k"] >= old["test_precision_at_k"],
        f"calibration error within {ECE_TOLERANCE} of the champion's":
            new["test_ece"] <= old["test_ece"] + ECE_TOLERANCE,
        "bias audit passes": audit_ok,
    }
    promoted = all(checks.values())
    failed = [name for name, ok in checks.items() if not ok]
    reason = ("better on every check" if promoted else "refused: not " + "; not ".join(
        failed)) + (f" (precision {new['test_precision_at_k']:.4f} vs "
                    f"{old['test_precision_at_k']:.4f}, ECE {new['test_ece']:.4f} vs "
                    f"{old['test_ece']:.4f})") + (
        "" if audit_ok else f"; bias audit {bias.summary(report)}")
    return promoted, reason, figures


def _first_model(new: dict[str, float], audit_ok: bool, audit: str,
                 figures: dict[str, float]) -> tuple[bool, str, dict[str, float]]:
    """No champion yet: the challenger must beat the points rule at capacity and pass the
    bias audit (a first model replaces the rule in the officers' hands, so it is held to the
    same fairness check as any later one)."""
    precision, rule = new["test_precision_at_k"], new["test_rule_precision_at_k"]
    beats = bool(precision > rule)
    reason = (f"first model: precision at capacity {precision:.4f} "
              f"{'beats' if beats else 'does not beat'} the points rule's {rule:.4f}; "
              f"bias audit {audit}")
    return beats and audit_ok, reason, figures


def decide(industry: str, features: Path | None = None) -> Decision:
    """Compare challenger and champion on the same held-out rows; move the alias if better."""
    tracking.client()
    challenger = tracking.version_by_alias(industry, "challenger")
    champion = tracking.version_by_alias(industry, "champion")
    if challenger is None:
        return Decision(industry, False, "no challenger: run riskwarn train first", None,
                        None, {})
    new, old = str(challenger.version), str(champion.version) if champion else None
    if old == new:
        return Decision(industry, False, f"version {new} is already champion", new, old, {})
    run = tracking.client().get_run(str(challenger.run_id))
    if champion is not None and same_as(industry, "champion", run.data.tags) is not None:
        return Decision(industry, False, f"no change: challenger version {new} is the same "
                        f"model as champion version {old} (same data, parameters and code)",
                        new, old, {})
    source = Path(features or run.data.params["features"])
    promoted, reason, figures = judge(industry, version_uri(industry, new),
                                      version_uri(industry, old) if old else None, source)
    decision = Decision(industry, promoted, reason, new, old, figures)
    log_decision(decision)
    if promoted:
        tracking.set_alias(industry, "champion", new)
    return decision


def log_decision(decision: Decision) -> None:
    with mlflow.start_run(experiment_id=tracking.experiment_id(decision.industry),
                          run_name=f"promote-{decision.industry}"):
        mlflow.set_tags({"kind": "promotion", "industry": decision.industry,
                         "promoted": str(decision.promoted), "reason": decision.reason[:4000],
                         "challenger_version": str(decision.challenger),
                         "champion_before": str(decision.champion_before)})
        mlflow.log_metrics({k: v for k, v in decision.figures.items() if np.isfinite(v)})
