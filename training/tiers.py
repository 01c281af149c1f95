"""Risk tiers A-D from calibrated probabilities, cut so the mix matches the configured
proportions (SAMR's published mix by default: 65.4 / 25.3 / 7.7 / 1.6 %)."""

from __future__ import annotations

import numpy as np

TIERS = ("A", "B", "C", "D")


def tier_cutoffs(probabilities: np.ndarray, proportions: dict[str, float]) -> list[float]:
    """The three probabilities separating A|B, B|C and C|D on a reference period."""
    shares = np.cumsum([proportions[t] for t in TIERS])[:3]
    return [float(q) for q in np.quantile(probabilities, shares)]


def assign_tiers(probabilities: np.ndarray, cutoffs: list[float]) -> np.ndarray:
    """Tier letter per firm: A below the first cut-off ... D at or above the last."""
    return np.asarray(TIERS)[np.searchsorted(np.asarray(cutoffs), probabilities, side="right")]
