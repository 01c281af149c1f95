"""What a plan promised and what it kept: placed against wanted per kind and per random
stratum, the unplaced visits by reason, the inspector capacity used, and the expected
violations against a pure random and a pure top-k plan of the same size."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

STRATUM = ["industry", "tier", "town_code"]


def expected_violations(firms: pd.DataFrame, planned: pd.DataFrame) -> dict[str, float]:
    """Sum of calibrated probabilities: the plan, a pure random plan and a pure top-k plan of
    the same size over the same firms."""
    n = len(planned)
    p = np.sort(firms["probability"].to_numpy(dtype=float))[::-1]
    return {"plan": float(planned["probability"].sum()),
            "pure_random": float(n * p.mean()) if len(p) else 0.0,
            "pure_top_k": float(p[:n].sum())}


def _kinds(planned: pd.DataFrame, unplaced: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Placed and wanted per kind, and for officer-confirmed firms (of either kind)."""
    out = {}
    for kind in ("random", "targeted"):
        got = int(planned["kind"].eq(kind).sum())
        out[kind] = {"placed": got, "wanted": got + int(unplaced["kind"].eq(kind).sum())}
    got = int(planned["confirmed"].sum())
    out["confirmed"] = {"placed": got, "wanted": got + int(unplaced["confirmed"].sum())}
    return out


def _strata(targets: pd.DataFrame, planned: pd.DataFrame, unplaced: pd.DataFrame
            ) -> pd.DataFrame:
    """Per random stratum: firms, expected count (target), drawn (wanted) and placed."""
    def count(frame: pd.DataFrame, name: str) -> pd.Series:
        random = frame.loc[frame["kind"] == "random"]
        return random.groupby(STRATUM).size().rename(name)

    got, missed = count(planned, "planned"), count(unplaced, "missed")
    strata = targets.join(got, on=STRATUM).join(missed, on=STRATUM)
    strata = strata.fillna({"planned": 0, "missed": 0})
    return strata.assign(wanted=strata["planned"] + strata["missed"])


def summarise(firms: pd.DataFrame, planned: pd.DataFrame, unplaced: pd.DataFrame,
              targets: pd.DataFrame, counts: Mapping[str, int], slots: np.ndarray,
              days: list[date], head: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's summary; `head` (seed, start, end, reach) leads it."""
    strata = _strata(targets, planned, unplaced)
    by_tier = strata.groupby("tier")[["target", "wanted", "planned"]].sum()
    visit_slots = int(slots.sum()) // 2  # two inspector-visits make one visit
    targeted = planned.loc[planned["kind"] == "targeted"]
    missed_targeted = unplaced.loc[unplaced["kind"] == "targeted"]
    return {
        **head, "working_days": len(days),
        "by_kind": _kinds(planned, unplaced),
        "random_by_tier": {str(t): {"target": round(float(r["target"]), 2),
                                    "wanted": int(r["wanted"]), "planned": int(r["planned"])}
                           for t, r in by_tier.iterrows()},
        "random_by_stratum": [
            {**r, "firms": int(r["firms"]), "target": round(float(r["target"]), 3),
             "wanted": int(r["wanted"]), "planned": int(r["planned"])}
            for r in strata[[*STRATUM, "firms", "target", "wanted", "planned"]]
            .to_dict("records")],
        "targeted": {k: {"target": int(n),
                         "wanted": int(targeted["industry"].eq(k).sum()
                                       + missed_targeted["industry"].eq(k).sum()),
                         "planned": int(targeted["industry"].eq(k).sum()),
                         "confirmed": int(targeted.loc[targeted["industry"] == k,
                                                       "confirmed"].sum())}
                     for k, n in counts.items()},
        "visits": len(planned), "wanted": len(planned) + len(unplaced),
        "unplaced": len(unplaced),
        "unplaced_by_reason": {str(k): int(v) for k, v in
                               unplaced["reason"].value_counts().sort_index().items()},
        "capacity": {"visit_slots": visit_slots, "used": len(planned),
                     "share_used": round(len(planned) / max(visit_slots, 1), 4)},
        "expected_violations": expected_violations(firms, planned),
    }
