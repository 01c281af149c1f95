"""Does the probability hold in every tier? Each tier's mean predicted probability on the
test period beside its observed rate, on all labels (Wilson 95 % interval) and on random
inspections alone, each weighted by the inverse of its inclusion probability (Hájek, 95 %
interval from a standard error that counts a firm seen on several dates once).

An ECE averaged over mostly low-risk firms hides the top of the list; this table does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.metrics import Z95 as Z
from training.metrics import precision_ipw, random_outcomes, window_inclusion
from training.tiers import TIERS, assign_tiers

COLUMNS = ("tier", "rows", "predicted", "observed", "observed_low", "observed_high",
           "random_seen", "observed_ipw", "ipw_low", "ipw_high", "within_ipw")


def wilson_at(p: float, n: float) -> tuple[float, float]:
    """Wilson's 95 % interval of a proportion `p` observed on `n` (possibly effective) rows."""
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return float(centre - half), float(centre + half)


def wilson(found: int, n: int) -> tuple[float, float]:
    """Wilson's 95 % interval of a proportion (NaN without rows)."""
    if n == 0:
        return float("nan"), float("nan")
    return wilson_at(found / n, n)


def ipw_interval(estimate: float, se: float, y_random: np.ndarray, mine: np.ndarray,
                 inclusion: np.ndarray) -> tuple[float, float]:
    """95 % interval of a Hájek estimate: the wider of the normal one from its (firm-
    clustered) standard error and Wilson's at Kish's effective sample size, so that a tier
    where few random inspections found nothing gets an interval, not the point 0."""
    seen = mine & np.isfinite(y_random) & (inclusion > 0)
    if not seen.any():
        return float("nan"), float("nan")
    weight = 1.0 / inclusion[seen]
    n_eff = weight.sum() ** 2 / (weight**2).sum()
    low, high = wilson_at(min(max(estimate, 0.0), 1.0), n_eff)
    return (float(max(0.0, min(estimate - Z * se, low))),
            float(min(1.0, max(estimate + Z * se, high))))


def tier_calibration(test: pd.DataFrame, scores: np.ndarray, cutoffs: list[float],
                     horizon_days: int | None, target: str = "label_random"
                     ) -> pd.DataFrame:
    """One row per tier (COLUMNS); `within_ipw` says whether the mean predicted probability
    lies inside the random inspections' interval (None where no random inspection saw it).
    The random inspections observe what the probability means (`target`: their own outcomes,
    or the label of the firms they drew)."""
    tiers = assign_tiers(np.asarray(scores, dtype=float), cutoffs)
    y = test["label"].to_numpy(dtype=float)
    y_random = random_outcomes(test, target)
    inclusion = window_inclusion(test["random_inclusion_prob"].to_numpy(dtype=float),
                                 horizon_days)
    firms = test["uscc"].to_numpy()
    rows = []
    for tier in TIERS:
        mine = tiers == tier
        labelled = mine & np.isfinite(y)
        found, n = int(y[labelled].sum()), int(labelled.sum())
        low, high = wilson(found, n)
        ipw, se, seen = precision_ipw(y_random, mine.astype(float), inclusion, firms)
        ipw_low, ipw_high = ipw_interval(ipw, se, y_random, mine, inclusion)
        predicted = float(np.mean(scores[mine])) if mine.any() else float("nan")
        rows.append({
            "tier": tier, "rows": int(mine.sum()), "predicted": predicted,
            "observed": found / n if n else float("nan"), "observed_low": low,
            "observed_high": high, "random_seen": seen, "observed_ipw": ipw,
            "ipw_low": ipw_low, "ipw_high": ipw_high,
            "within_ipw": bool(ipw_low <= predicted <= ipw_high) if seen else None})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def tier_metrics(table: pd.DataFrame) -> dict[str, float]:
    """The table as MLflow metrics: test_tier_<T>_{predicted,observed,observed_ipw,...}."""
    out = {}
    for row in table.itertuples():
        for column in ("predicted", "observed", "observed_low", "observed_high",
                       "observed_ipw", "ipw_low", "ipw_high"):
            value = float(getattr(row, column))
            if np.isfinite(value):
                out[f"test_tier_{row.tier}_{column}"] = value
    return out


def tier_section(table: pd.DataFrame) -> str:
    """The table for the model card (Markdown)."""
    def pct(value: object) -> str:
        number = float(value)  # type: ignore[arg-type]
        return "–" if not np.isfinite(number) else f"{number:.1%}"

    lines = ["", "## Calibration by tier (test period)", "",
             "| tier | rows | mean predicted | observed (95 % CI) | random inspections, "
             "IPW (95 % CI) | predicted within IPW interval |", "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        within = "–" if r.within_ipw is None else ("yes" if r.within_ipw else "**no**")
        lines.append(f"| {r.tier} | {r.rows:,} | {pct(r.predicted)} | {pct(r.observed)} "
                     f"({pct(r.observed_low)}–{pct(r.observed_high)}) | {pct(r.observed_ipw)} "
                     f"({pct(r.ipw_low)}–{pct(r.ipw_high)}), {r.random_seen} seen | {within} |")
    return "\n".join(lines) + "\n"
