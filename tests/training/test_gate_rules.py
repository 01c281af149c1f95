"""The promotion gate's rule against a champion, on hand-made figures: the challenger may be
worse on IPW precision only by the champion's interval half-width, on calibration only by
0.01, must pass the bias audit and must be better on one of the two."""

from __future__ import annotations

import pytest

from training.promote import _against_champion


def figures(new: float, old: float, half: float, new_ece: float, old_ece: float
            ) -> dict[str, float]:
    return {"challenger_precision_at_k_random_ipw": new,
            "challenger_precision_at_k_random_ipw_low": new - half,
            "challenger_precision_at_k_random_ipw_high": new + half,
            "champion_precision_at_k_random_ipw": old,
            "champion_precision_at_k_random_ipw_low": old - half,
            "champion_precision_at_k_random_ipw_high": old + half,
            "challenger_ece": new_ece, "champion_ece": old_ece}


@pytest.mark.parametrize(("new", "new_ece", "audit", "promoted", "failing"), [
    (0.31, 0.020, True, True, None),                 # better precision, same calibration
    (0.27, 0.015, True, True, None),                 # a little less precise, better calibrated
    (0.24, 0.015, True, False, "interval half-width"),  # beyond the half-width
    (0.35, 0.040, True, False, "calibration error"),  # calibration worse by more than 0.01
    (0.30, 0.020, True, False, "better on"),         # equal on both: nothing gained
    (0.35, 0.010, False, False, "bias audit"),
])
def test_the_rule_against_a_champion(new, new_ece, audit, promoted, failing):
    ok, reason, _ = _against_champion(figures(new, 0.30, 0.05, new_ece, 0.020), audit,
                                      "bias audit passes")
    assert ok == promoted, reason
    assert reason.startswith("better" if promoted else "refused")
    if failing:
        assert failing in reason.split("(IPW precision")[0]
    assert "IPW precision 0." in reason and "ECE" in reason
