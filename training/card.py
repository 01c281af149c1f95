"""The model card: what the model was trained on, how it did, and what it must not be used for."""

from __future__ import annotations

from typing import Any

from features.industries import default_config


def model_card(industry: str, period: dict[str, str], metrics: dict[str, float],
               params: dict[str, Any], cutoffs: list[float], audit: str,
               features: list[str]) -> str:
    """The card in Markdown; `audit` is `bias.summary` of the model's bias audit."""
    m = metrics
    spec = default_config().industries[industry]  # type: ignore[index]
    events = ", ".join(e.replace("_", " ") for e in spec.label_events)
    curve_on = ("random inspections' outcomes, each weighted by the inverse of its inclusion "
                "probability" if spec.probability == "inspection" else "the same label events")
    k, rule = m["test_k"], m["test_rule_precision_at_k"]
    random_rule = m["test_random_rule_roc_auc"]
    ipw, ipw_se = m["test_precision_at_k_random_ipw"], m["test_precision_at_k_random_ipw_se"]
    rule_ipw = m["test_rule_precision_at_k_random_ipw"]
    rule_ipw_se = m["test_rule_precision_at_k_random_ipw_se"]
    noise = m.get("test_ece_noise_floor", float("nan"))
    ece = f"{m.get('test_calibration_ece', m['test_ece']):.4f}"
    rule_audit = "passes" if m.get("rule_bias_audit_passes", 0.0) else "fails"
    seen = m["test_random_ipw_listed"]
    ipw_cell = f"{ipw:.3f} ± {ipw_se:.3f} ({seen:.0f} listed firm-dates inspected)"
    rule_cell = f"{rule_ipw:.3f} ± {rule_ipw_se:.3f}"
    return f"""# riskwarn-{industry}

**The number**: {spec.meaning_en} ({spec.meaning_zh}).

**Use**: ranks firms of the {industry} industry by that probability. The ranking is learned
from the label events ({events}) within {spec.horizon_days} days; the probability curve
(centred isotonic regression, strictly increasing, so it keeps the ranking) is fitted on
{curve_on} in the calibration period. Reasons give each input's effect in percentage points of
this probability: TreeSHAP contributions to the ranking score (plus the points rule's own
points), each given the share of the firm's probability above a firm with no evidence that its
share of the score gives it, so they add up exactly. A score is a reason to look, never the
basis of an enforcement decision: every action needs an officer's recorded decision.

## Data and period
- training as-of dates {period['train_from']} .. {period['train_to']}
- calibration (centred isotonic regression) on {period['calibration_as_of']}
- held-out test {period['test_from']} .. {period['test_to']} (never used to fit or tune)
- {len(features)} inputs; features use only events known before each as-of date

## Results on the test period
| metric | model | points rule |
|---|---|---|
| ROC-AUC | {m['test_roc_auc']:.3f} | {m['test_rule_roc_auc']:.3f} |
| precision at capacity (k={k:.0f}) | {m['test_precision_at_k']:.3f} | {rule:.3f} |
| recall at capacity | {m['test_recall_at_k']:.3f} | |
| lift over random at capacity | {m['test_lift_over_random_at_k']:.2f} | |
| calibration error on what the number means (by chance alone: {noise:.4f}) | {ece} | |
| Brier score | {m['test_brier']:.4f} | |
| ROC-AUC, random-inspection labels only | {m['test_random_roc_auc']:.3f} | {random_rule:.3f} |
| precision at capacity, random inspections (1/inclusion weights) | {ipw_cell} | {rule_cell} |

Tier cut-offs (A|B, B|C, C|D): {', '.join(f'{c:.4f}' for c in cutoffs)}.
Bias audit at capacity (FDR within 0.8-1.25 of the largest group big enough to judge; groups
under 50 firms, 20 flagged firms or 10 positive firms not judged): {audit}. The points rule's
own list {rule_audit} the same audit.

## Limits
- Labels exist only where someone looked: targeted inspections follow complaints and the random
  draw is weighted by the bureau's own tiers, so the whole test set favours firms already
  suspected (and the points rule); the random-inspection figures weighted by inverse inclusion
  probability are the unbiased view, with the standard error shown (few listed firms are
  inspected at random in a quarter).
- Trained on one city's history; recalibrate after changes in inspection policy.
- Parameters: {params}
"""
