"""Labels: adverse events with `as_of <= known_at < as_of + horizon`, per industry.

`label` is 1 if an adverse event of the industry falls in the window, else 0; `label_random`
is the outcome of the random inspections in the industry's `random_window_days` (the next
month where the probability shown is that an inspection finds a problem, else the horizon;
null where the firm had none), the unbiased sample evaluation and calibration need, with
`random_inclusion_prob` from the draw. Each is null when its window passes the data end (the
latest `known_at` in the sources).
"""

from __future__ import annotations

import numpy as np

from features.prepare import Prepared
from features.windows import count, day_of, edge_value

LABEL_COLUMNS = ("label", "label_random", "random_inclusion_prob")


def _in_window(day: np.ndarray, firm: np.ndarray, start: int, stop: int) -> np.ndarray:
    return (day >= start) & (day < stop) & (firm >= 0)


def adverse_arrays(prep: Prepared, industry: str) -> tuple[np.ndarray, np.ndarray]:
    """(firm, day) of every event that counts as adverse for the industry."""
    events = prep.config.industries[industry].label_events  # type: ignore[index]
    insp, pen, lst = (prep.events[k] for k in ("inspections", "penalties", "listings"))
    parts = []
    if "inspection_violation" in events:
        parts.append((insp["firm"][insp["violation"]], insp["day"][insp["violation"]]))
    if "penalty" in events:
        parts.append((pen["firm"], pen["day"]))
    if "serious_violation_list" in events:
        parts.append((lst["firm"][lst["serious"]], lst["day"][lst["serious"]]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def label_columns(prep: Prepared, as_of: int, industry: str) -> dict[str, np.ndarray]:
    """The label columns for every registered firm, for one as-of day and industry."""
    n = prep.size
    spec = prep.config.industries[industry]  # type: ignore[index]
    out = {name: np.full(n, np.nan) for name in LABEL_COLUMNS}
    end = day_of(prep.data_end)
    stop = as_of + spec.horizon_days
    if stop - 1 <= end:
        firm, day = adverse_arrays(prep, industry)
        out["label"] = (count(firm[_in_window(day, firm, as_of, stop)], n) > 0).astype(float)
    stop = as_of + spec.random_window_days
    if stop - 1 <= end:
        out.update(_random_outcomes(prep, as_of, stop))
    return out


def _random_outcomes(prep: Prepared, as_of: int, stop: int) -> dict[str, np.ndarray]:
    """`label_random` and `random_inclusion_prob` over the window [as_of, stop)."""
    n = prep.size
    insp = prep.events["inspections"]
    random = insp["random"] & _in_window(insp["day"], insp["firm"], as_of, stop)
    visits = count(insp["firm"][random], n)
    found = count(insp["firm"][random & insp["violation"]], n)
    label_random = np.where(visits > 0, (found > 0).astype(float), np.nan)
    prob = edge_value(insp, random, insp["prob"], n, np.nan, latest=False)
    return {"label_random": label_random, "random_inclusion_prob": prob}
