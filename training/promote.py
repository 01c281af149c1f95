"""`riskwarn promote`: the gate that moves `champion` to the challenger only when it is better.

The gate judges what a list is for, how often an inspection of a listed firm finds a problem,
estimated without the bureau's selection: precision at capacity on the test period's random
inspections, each weighted by the inverse of its inclusion probability (IPW, with its 95 %
interval). On the challenger's test period (rebuilt from the feature dataset):

- a first model becomes champion when its IPW precision is at least the points rule's on the
  same rows and it passes the bias audit;
- a challenger replaces the champion when its IPW precision is not worse by more than the
  champion's interval half-width, its calibration error not worse by more than 0.01, it passes
  the bias audit, and it is better on at least one of the two;
- a challenger identical to the champion is "no change".

Every figure of the decision is logged to MLflow and shown on the model page; a refusal is an
answer, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.industries import default_config
from training import bias, tracking
from training.data import (
    calibration_target,
    districts_of,
    feature_names,
    load_split,
)
from training.evaluate import evaluate_period
from training.identity import same_as
from training.metrics import Z95
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


def _ipw(metrics: dict[str, float], who: str, prefix: str) -> dict[str, float]:
    """`who`'s IPW precision at capacity with its 95 % interval, as decision figures."""
    estimate = metrics[f"test_{prefix}precision_at_k_random_ipw"]
    half = Z95 * metrics[f"test_{prefix}precision_at_k_random_ipw_se"]
    return {f"{who}_precision_at_k_random_ipw": estimate,
            f"{who}_precision_at_k_random_ipw_low": estimate - half,
            f"{who}_precision_at_k_random_ipw_high": estimate + half}


def _interval(figures: dict[str, float], who: str) -> str:
    key = f"{who}_precision_at_k_random_ipw"
    return f"{figures[key]:.4f} ({figures[key + '_low']:.4f}–{figures[key + '_high']:.4f})"


def judge(industry: str, candidate_uri: str, champion_uri: str | None, features: Path
          ) -> tuple[bool, str, dict[str, float]]:
    """The gate on the candidate's held-out period: (promote?, why, the figures compared)."""
    spec = default_config().industries[industry]  # type: ignore[index]
    test = load_split(features, industry, spec).test
    target, window = calibration_target(spec, test.columns), spec.random_window_days
    names = feature_names(test)
    k = spec.monthly_capacity
    new_scores = _scores(candidate_uri, test, names)
    new = evaluate_period(test, new_scores, k, window, target)
    report = bias.audit(test, bias.flag_top_k(test, new_scores, k), districts_of(features))
    audit_ok = bias.passes(report)
    figures = {**_ipw(new, "challenger", ""), **_ipw(new, "rule", "rule_"),
               "challenger_ece": new["test_calibration_ece"],
               "challenger_bias_passes": float(audit_ok),
               "challenger_precision_at_k": new["test_precision_at_k"],
               "rule_precision_at_k": new["test_rule_precision_at_k"],
               "random_inspections_listed": new["test_random_ipw_listed"]}
    audit = f"bias audit {bias.summary(report)}"
    if not np.isfinite(figures["challenger_precision_at_k_random_ipw"]):
        return False, ("refused: no random inspection of a listed firm in the test period, "
                       f"so the list cannot be judged; {audit}"), figures
    if champion_uri is None:
        beats = bool(figures["challenger_precision_at_k_random_ipw"]
                     >= figures["rule_precision_at_k_random_ipw"])
        return beats and audit_ok, (
            f"first model: precision at capacity on random inspections (IPW) "
            f"{_interval(figures, 'challenger')} {'is at least' if beats else 'is below'} "
            f"the points rule's {_interval(figures, 'rule')}; {audit}"), figures
    old = evaluate_period(test, _scores(champion_uri, test, names), k, window, target)
    figures |= {**_ipw(old, "champion", ""), "champion_ece": old["test_calibration_ece"],
                "champion_precision_at_k": old["test_precision_at_k"]}
    return _against_champion(figures, audit_ok, audit)


def _against_champion(figures: dict[str, float], audit_ok: bool, audit: str
                      ) -> tuple[bool, str, dict[str, float]]:
    new, old = (figures[f"{who}_precision_at_k_random_ipw"] for who in ("challenger",
                                                                         "champion"))
    half = figures["champion_precision_at_k_random_ipw_high"] - old
    new_ece, old_ece = figures["challenger_ece"], figures["champion_ece"]
    checks = {
        f"IPW precision within the champion's interval half-width ({half:.4f})":
            bool(new >= old - half) if np.isfinite(old) else True,
        f"calibration error within {ECE_TOLERANCE} of the champion's":
            bool(new_ece <= old_ece + ECE_TOLERANCE),
        "bias audit passes": audit_ok,
        "better on IPW precision or calibration error":
            bool(new > old or new_ece < old_ece) if np.isfinite(old) else True,
    }
    promoted = all(checks.values())
    failed = [name for name, ok in checks.items() if not ok]
    reason = ("better: " + "; ".join(checks) if promoted
              else "refused: not " + "; not ".join(failed))
    return promoted, (f"{reason} (IPW precision {_interval(figures, 'challenger')} vs "
                      f"{_interval(figures, 'champion')}, ECE {new_ece:.4f} vs {old_ece:.4f}; "
                      f"{audit})"), figures


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


def last_decision(industry: str, version: str) -> dict[str, Any] | None:
    """The latest promotion decision about this version: promoted?, why, and its figures."""
    runs = tracking.client().search_runs(
        [tracking.experiment_id(industry)],
        f"tags.kind = 'promotion' and tags.challenger_version = '{version}'",
        order_by=["attributes.start_time DESC"], max_results=1)
    if not runs:
        return None
    data = runs[0].data
    return {"promoted": data.tags.get("promoted") == "True",
            "reason": data.tags.get("reason", ""), "figures": dict(data.metrics)}


def why_not_scored(industry: str) -> str:
    """One line for an industry without a champion: what keeps it out, what would let it in."""
    tracking.client()
    challenger = tracking.version_by_alias(industry, "challenger")
    decision = last_decision(industry, str(challenger.version)) if challenger else None
    if challenger is None or decision is None:
        return (f"{industry} has no champion model, so its firms are not scored: "
                "`riskwarn train` then `riskwarn promote` would give it one")
    f = decision["figures"]
    ipw = ", ".join(f"{who} {f[f'{who}_precision_at_k_random_ipw']:.3f}"
                    for who in ("challenger", "rule", "champion")
                    if f"{who}_precision_at_k_random_ipw" in f)
    return (f"{industry} has no champion model, so its firms are not scored: the gate refused "
            f"version {challenger.version} (precision at capacity on random inspections: {ipw}; "
            f"bias audit {'passes' if f.get('challenger_bias_passes') else 'fails'}); a model "
            "at least as precise as the points rule there, or more random inspections in the "
            "test period to judge it on, would let it in")


def log_decision(decision: Decision) -> None:
    with mlflow.start_run(experiment_id=tracking.experiment_id(decision.industry),
                          run_name=f"promote-{decision.industry}"):
        mlflow.set_tags({"kind": "promotion", "industry": decision.industry,
                         "promoted": str(decision.promoted), "reason": decision.reason[:4000],
                         "challenger_version": str(decision.challenger),
                         "champion_before": str(decision.champion_before)})
        mlflow.log_metrics({k: v for k, v in decision.figures.items() if np.isfinite(v)})
