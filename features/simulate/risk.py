"""The hidden monthly risk behind every firm: what the sources show and what they do not.

risk = sigmoid(logit), the probability that a full inspection that month would find a
violation. The logit adds an industry base, observable parts (youth, capital, kind, a shared
legal representative or cluster address, past penalties, abnormal listing), hidden parts (a
static firm effect and an AR(1) drift) and the season; quasi-financial firms drifting into a
Ponzi-like collapse ramp up over the months before it.
"""

from __future__ import annotations

import numpy as np

from features.simulate import catalog as cat
from features.simulate.population import Population

BASE = np.array([-1.45, -1.5, -2.9, -2.2])  # food, ecommerce, quasi_financial, other
DRIFT_RHO = 0.92
DRIFT_SD = 0.45
COLLAPSE_RAMP = 3.0

# risk and complaint seasonality by industry key and calendar month (1..12)
RISK_SEASON = np.zeros((4, 13))
RISK_SEASON[cat.FOOD, [5, 9]] = 0.15
RISK_SEASON[cat.FOOD, [6, 7, 8]] = 0.35
COMPLAINT_SEASON = np.ones((4, 13))
COMPLAINT_SEASON[cat.FOOD, [6, 7, 8]] = 1.4
COMPLAINT_SEASON[cat.ECOM, 6] = 2.5   # 618
COMPLAINT_SEASON[cat.ECOM, 11] = 3.0  # 双11


def static_logit(pop: Population) -> np.ndarray:
    """The parts that do not move with time (except through age, added monthly)."""
    logit = BASE[pop.key] + pop.hidden + pop.visible
    logit += np.where((pop.kind == cat.INDIVIDUAL) & (pop.key == cat.FOOD), 0.15, 0.0)
    log_cap = np.log(np.maximum(pop.capital, 0.1))
    logit += np.where(pop.key == cat.QF, 0.15 * (log_cap - np.log(1000.0)),
                      -0.08 * (log_cap - np.log(20.0)))
    return logit


def monthly_logit(
    static: np.ndarray, pop: Population, day: int, month: int, drift: np.ndarray,
    history: np.ndarray, listed: np.ndarray, ramp: np.ndarray,
) -> np.ndarray:
    age_years = np.maximum(day - pop.est_day, 0) / 365.25
    youth = 0.6 * np.exp(-age_years / 1.5)
    return (static + youth + drift + 0.35 * history + 0.3 * listed
            + RISK_SEASON[pop.key, month] + COLLAPSE_RAMP * ramp)


def step_drift(rng: np.random.Generator, drift: np.ndarray) -> np.ndarray:
    shock = rng.normal(0.0, DRIFT_SD * np.sqrt(1 - DRIFT_RHO**2), len(drift))
    return DRIFT_RHO * drift + shock


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
