"""What follows from risk each month: complaints, inspections, penalties, listings, changes.

Each function draws one month's events for all firms at once and records them; firms are
rows of NumPy arrays, never a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.simulate import catalog as cat
from features.simulate.population import Population
from features.simulate.recorder import Recorder

COMPLAINT_RATE = np.array([0.0070, 0.0080, 0.0030, 0.0018])  # per firm-month at average risk
TIER_RATIOS = np.array([0.03, 0.10, 0.40, 0.80])  # yearly random-inspection ratio, A..D
TIER_SHARES = np.array([0.654, 0.253, 0.077, 0.016])


@dataclass
class Month:
    index: int
    first_day: int
    days: int
    calendar_month: int
    end_day: int  # last day of the simulation (exclusive)


@dataclass
class Inspectors:
    town_pool: np.ndarray    # inspector ids ordered by town
    town_offset: np.ndarray  # start of each town's ids in town_pool (len towns + 1)
    strictness: np.ndarray   # hidden: how much of a violation each inspector finds


def complaints(rng: np.random.Generator, pop: Population, act: np.ndarray, logit: np.ndarray,
               risk: np.ndarray, season: np.ndarray, m: Month, rec: Recorder) -> np.ndarray:
    """Record complaints; return the firms whose complaints trigger a targeted visit."""
    from features.simulate.risk import BASE

    lam = np.where(act, COMPLAINT_RATE[pop.key] * season * np.exp(0.9 * (logit - BASE[pop.key])),
                   0.0)
    count = rng.poisson(np.minimum(lam, 20.0))
    firm = np.repeat(np.arange(pop.size, dtype=np.int32), count)
    n = len(firm)
    day = m.first_day + rng.integers(0, m.days, n)
    kind = rng.choice(4, size=n, p=[0.65, 0.20, 0.10, 0.05]).astype(np.int8)
    grievance = kind < 2
    substantiated = grievance & (rng.random(n) < 0.15 + 0.7 * risk[firm])
    rec.add("complaints", firm=firm, day=day.astype(np.int32), kind=kind,
            substantiated=substantiated, second=rng.integers(8 * 3600, 22 * 3600, n),
            u=rng.random((n, 4)).astype(np.float32))
    trigger = grievance & (rng.random(n) < 0.10 + 0.25 * substantiated)
    return np.unique(firm[trigger])


def random_draw(rng: np.random.Generator, act: np.ndarray, points: np.ndarray,
                last_random: np.ndarray, m: Month) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bureau's tier for each firm, and this month's random draw with its probabilities."""
    cut = np.quantile(points[act], np.cumsum(TIER_SHARES)[:3]) if act.any() else np.zeros(3)
    tier = np.searchsorted(cut, points).astype(np.int8)
    prob = TIER_RATIOS[tier] / 12.0
    eligible = act & ((m.index - last_random >= 12) | (tier == 3))
    drawn = np.flatnonzero(eligible & (rng.random(len(act)) < prob))
    return tier, drawn, prob[drawn]


def assign_inspectors(rng: np.random.Generator, insp: Inspectors, town: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Two different inspectors of the visit's town, drawn at random."""
    lo = insp.town_offset[town]
    size = insp.town_offset[town + 1] - lo
    first = (rng.random(len(town)) * size).astype(np.int64)
    second = (first + 1 + (rng.random(len(town)) * (size - 1)).astype(np.int64)) % size
    return insp.town_pool[lo + first], insp.town_pool[lo + second]


def inspect(rng: np.random.Generator, pop: Population, insp: Inspectors, firm: np.ndarray,
            day: np.ndarray, random_prob: np.ndarray, risk: np.ndarray, gone: np.ndarray,
            rec: Recorder) -> tuple[np.ndarray, np.ndarray]:
    """Record visits and outcomes; return the visited firms and whether a case was opened."""
    a, b = assign_inspectors(rng, insp, pop.town[firm].astype(np.int64))
    strict = (insp.strictness[a] + insp.strictness[b]) / 2
    p_missing = np.where(gone[firm], 0.6, 0.01 + 0.06 * pop.cluster[firm])
    missing = rng.random(len(firm)) < p_missing
    violation = ~missing & (rng.random(len(firm)) < np.minimum(risk[firm] * strict, 0.97))
    case = violation & (rng.random(len(firm)) < 0.08 + 0.3 * risk[firm])
    outcome = np.select([missing, case, violation], [3, 2, 1], default=0).astype(np.int8)
    rec.add("inspections", firm=firm, day=day.astype(np.int32), a=a, b=b, outcome=outcome,
            prob=random_prob.astype(np.float64))
    return firm, case


def penalties(rng: np.random.Generator, firm: np.ndarray, day: np.ndarray, lag: float,
              source: int, rec: Recorder) -> None:
    """Penalty decisions `lag` days (gamma-spread) after `day`, published 5-25 days later."""
    n = len(firm)
    decided = day + (lag * rng.gamma(2.0, 0.5, n)).astype(np.int32) + 10
    published = decided + rng.integers(5, 26, n)
    violated = day - rng.integers(0, 90, n)
    rec.add("penalties", firm=firm, violated=violated.astype(np.int32),
            decided=decided.astype(np.int32), published=published.astype(np.int32),
            source=np.full(n, source, dtype=np.int8), u=rng.random((n, 3)).astype(np.float32))


NEVER = np.iinfo(np.int64).max
SERIOUS_AFTER_DAYS = 1096  # three years on the abnormal list without remedy


def listing(rng: np.random.Generator, firm: np.ndarray, day: np.ndarray, reason: int,
            p_removed: float, mean_days: float, rec: Recorder) -> np.ndarray:
    """Abnormal-list entries (reasons as in contracts.LIST_REASONS); return removal days
    (NEVER for an entry never removed, which the market moves to the serious-violation list
    three years on if the firm still exists)."""
    n = len(firm)
    removed = rng.random(n) < p_removed
    until = np.where(removed, day + 7 + rng.exponential(mean_days, n).astype(np.int64), NEVER)
    rec.add("listings", firm=firm, day=day.astype(np.int32), until=until.astype(np.int64),
            reason=np.full(n, reason, dtype=np.int8))
    return until


CHANGE_TYPES = ("legal_rep", "address", "capital_increase", "capital_decrease", "scope",
                "shareholder", "status", "name")


def change(rec: Recorder, rng: np.random.Generator, firm: np.ndarray, m: Month, kind: int,
           old: np.ndarray, new: np.ndarray) -> None:
    """Registration changes of one type: values are ids or amounts, turned to text later."""
    n = len(firm)
    day = m.first_day + rng.integers(0, m.days, n)
    rec.add("changes", firm=firm, day=day.astype(np.int32),
            known=np.minimum(day + rng.integers(1, 21, n), m.end_day - 1).astype(np.int32),
            kind=np.full(n, kind, dtype=np.int8), old=old.astype(np.float64),
            new=new.astype(np.float64))


def annual_report_listings(rng: np.random.Generator, pop: Population, act: np.ndarray,
                           logit: np.ndarray, m: Month, rec: Recorder) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """Firms that did not file last year's annual report, listed in early July."""
    from features.simulate.risk import BASE

    first_of_year = m.first_day - 181
    eligible = act & (pop.est_day < first_of_year)
    score = -2.25 + 0.7 * (logit - BASE[pop.key]) + 0.6 * pop.cluster + 0.2 * pop.shared_rep
    score -= np.where(pop.kind == cat.INDIVIDUAL, 0.3, 0.0)
    firm = np.flatnonzero(eligible & (rng.random(pop.size) < 1 / (1 + np.exp(-score))))
    day = m.first_day + rng.integers(0, 15, len(firm))
    until = listing(rng, firm, day, 0, p_removed=0.75, mean_days=80.0, rec=rec)
    return firm, until
