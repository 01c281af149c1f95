"""Which firms are visited: the double-random draw per tier and town, then targeted visits.

Random visits: in each stratum (industry, tier, town) the expected count is the tier's yearly
sampling ratio pro-rated to the period times the stratum's firms; the count drawn is that
expectation rounded at random (so it is exact on average), drawn uniformly from the firms not
visited at random in the last 12 months (tier D firms are always eligible). Each drawn firm
keeps its inclusion probability, expected count / eligible firms, so outcomes can be weighted
back to the whole population. Targeted visits: every officer-confirmed firm, then the highest
probabilities not already planned, up to the targeted share of the industry's capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

TIERS = ("A", "B", "C", "D")
DEFAULT_RATIOS: dict[str, float] = {"A": 0.03, "B": 0.10, "C": 0.40, "D": 0.80}
DEFAULT_TARGETED_SHARE = 0.30
ALWAYS_ELIGIBLE = "D"  # a tier-D firm may be drawn again within 12 months
FIRM_COLUMNS = ["uscc", "industry", "town_code", "tier", "probability"]


def check_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """Yearly sampling ratios per tier: every tier present, each in (0, 1]."""
    problems = [f"ratios.{t}: missing" for t in TIERS if t not in ratios]
    problems += [f"ratios.{t}: unknown tier (tiers are A, B, C, D)" for t in ratios
                 if t not in TIERS]
    problems += [f"ratios.{t}: {v} is not in (0, 1]: no tier may go unsampled"
                 for t, v in ratios.items() if t in TIERS and not 0 < v <= 1]
    if problems:
        raise ValueError("; ".join(problems))
    return {t: float(ratios[t]) for t in TIERS}


def stratum_targets(firms: pd.DataFrame, ratios: Mapping[str, float], fraction: float
                    ) -> pd.DataFrame:
    """Per (industry, tier, town): firms, eligible firms and the expected random count."""
    grouped = firms.groupby(["industry", "tier", "town_code"], observed=True, sort=True)
    out = grouped.agg(firms=("uscc", "size"), eligible=("_eligible", "sum")).reset_index()
    out["target"] = out["tier"].map(ratios).astype(float) * fraction * out["firms"]
    return out


def draw_random(firms: pd.DataFrame, recently_random: np.ndarray, ratios: Mapping[str, float],
                fraction: float, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(drawn firms with `inclusion_prob`, per-stratum targets); `fraction` = period / year."""
    ratios = check_ratios(ratios)
    frame = firms[FIRM_COLUMNS].reset_index(drop=True).copy()
    frame["_eligible"] = ~np.asarray(recently_random, dtype=bool) | (frame["tier"] ==
                                                                     ALWAYS_ELIGIBLE)
    targets = stratum_targets(frame, ratios, fraction)
    expected = np.minimum(targets["target"].to_numpy(), targets["eligible"].to_numpy())
    whole = np.floor(expected)
    targets["drawn"] = (whole + (rng.random(len(targets)) < expected - whole)).astype(int)
    targets["inclusion_prob"] = np.where(targets["eligible"] > 0,
                                         expected / np.maximum(targets["eligible"], 1), 0.0)
    frame["_key"] = rng.random(len(frame))
    eligible = frame.loc[frame["_eligible"]].merge(
        targets[["industry", "tier", "town_code", "drawn", "inclusion_prob"]],
        on=["industry", "tier", "town_code"], how="left")
    eligible = eligible.sort_values(["industry", "tier", "town_code", "_key"], kind="stable")
    rank = eligible.groupby(["industry", "tier", "town_code"], sort=False).cumcount()
    drawn = eligible.loc[rank.to_numpy() < eligible["drawn"].to_numpy(),
                         [*FIRM_COLUMNS, "inclusion_prob"]]
    return drawn.reset_index(drop=True), targets


def targeted_counts(capacity: Mapping[str, float], months: float, share: float
                    ) -> dict[str, int]:
    """Targeted visits per industry: `share` of its monthly capacity over the period."""
    if not 0 <= share <= 1:
        raise ValueError(f"targeted_share: {share} is not in [0, 1]")
    return {k: round(share * c * months) for k, c in capacity.items()}


def pick_targeted(firms: pd.DataFrame, planned: Iterable[str], confirmed: Iterable[str],
                  counts: Mapping[str, int]) -> pd.DataFrame:
    """Per industry: every confirmed firm (even beyond the count), then the highest
    probabilities, not already planned."""
    taken = set(planned)
    chosen = set(confirmed)
    frame = firms.loc[~firms["uscc"].isin(taken), FIRM_COLUMNS].copy()
    frame["_confirmed"] = frame["uscc"].isin(chosen)
    frame = frame.sort_values(["industry", "_confirmed", "probability", "uscc"],
                              ascending=[True, False, False, True], kind="stable")
    rank = frame.groupby("industry", sort=False).cumcount().to_numpy()
    limit = frame["industry"].map(counts).fillna(0).to_numpy()
    picked = frame.loc[(rank < limit) | frame["_confirmed"].to_numpy(),
                       [*FIRM_COLUMNS, "_confirmed"]]
    return picked.rename(columns={"_confirmed": "confirmed"}).reset_index(drop=True)
