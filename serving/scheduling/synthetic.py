"""Synthetic firm lists and inspector rosters of any size, for property tests and the
scheduling benchmark (the generated market has its own roster; these need no scoring run)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

INDUSTRIES = ("food", "ecommerce", "quasi_financial")
CAPACITY = {"food": 400.0, "ecommerce": 120.0, "quasi_financial": 60.0}
TIER_MIX = [0.654, 0.253, 0.077, 0.016]


def firms_of(rng: np.random.Generator, n: int, towns: list[str]) -> pd.DataFrame:
    """`n` scored firms: uscc, industry, town_code, tier (SAMR's mix) and probability."""
    tier_index = rng.choice(4, size=n, p=np.asarray(TIER_MIX) / sum(TIER_MIX))
    base = np.array([0.01, 0.04, 0.1, 0.3])[tier_index]
    return pd.DataFrame({
        "uscc": [f"U{i:07d}" for i in range(n)],
        "industry": rng.choice(INDUSTRIES, size=n),
        "town_code": rng.choice(towns, size=n),
        "tier": np.array(list("ABCD"))[tier_index],
        "probability": np.minimum(base * rng.uniform(0.5, 1.5, size=n), 1.0),
    })


def roster_of(rng: np.random.Generator, n: int, towns: list[str], start: date, span: int
              ) -> pd.DataFrame:
    """`n` inspectors with random towns, industries, daily capacity and days away."""
    rows = []
    for i in range(n):
        away = [start + timedelta(days=int(d)) for d in rng.choice(span, size=min(3, span),
                                                                   replace=False)]
        rows.append({
            "inspector_id": f"I{i:03d}", "name": f"检查员{i}",
            "towns": "|".join(rng.choice(towns, size=rng.integers(1, len(towns) + 1),
                                         replace=False)),
            "industries": "|".join(rng.choice(INDUSTRIES, size=rng.integers(1, 4),
                                              replace=False)),
            "visits_per_day": int(rng.integers(1, 5)),
            "unavailable_dates": "|".join(sorted(str(d) for d in away[: rng.integers(0, 4)])),
        })
    return pd.DataFrame(rows)
