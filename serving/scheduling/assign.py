"""Who visits, and when, by a solver (`serving.scheduling.solve`, CP-SAT).

Hard constraints (the law and the roster): two different inspectors per visit, both qualified
for the firm's industry and within `reach` borders of its town, neither recused (visited the
firm in the last 12 months), neither away that day, nobody beyond their visits per day, only
official working days. Priorities, each above everything after it: every officer-confirmed firm
placed; targeted visits, higher probabilities first; the random draw placed as drawn; then the
fewest borders crossed.

Nothing is dropped silently: every visit that cannot be placed keeps a `reason` —
`no_qualified_pair` (fewer than two qualified inspectors within reach), `recusal` (two only
with a recused one), `outside_window` (never two of them available on one working day of the
period) or `capacity` (their visits were spent on visits of higher priority).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from serving.scheduling.reach import inspector_hops, split_codes
from serving.scheduling.solve import DEFAULT_SECONDS, Cell, solve

REASONS = ("no_qualified_pair", "recusal", "outside_window", "capacity")
OFFER = 6  # inspectors and days offered to the solver per cell, at least (more for more visits)


def day_slots(inspectors: pd.DataFrame, days: list[date]) -> np.ndarray:
    """Visits each inspector can make on each working day (0 when unavailable)."""
    per_day = inspectors["visits_per_day"].to_numpy(dtype=int)
    slots = np.repeat(per_day[:, None], len(days), axis=1)
    index = {d: j for j, d in enumerate(days)}
    for i, away in enumerate(inspectors["unavailable_dates"]):
        for text in split_codes(away):
            j = index.get(date.fromisoformat(text))
            if j is not None:
                slots[i, j] = 0
    return slots


def priority_weights(visits: pd.DataFrame, reach: int) -> np.ndarray:
    """Integer value of placing each visit, so that one visit of a higher priority outweighs
    every visit of the lower ones and all travel together."""
    n = len(visits)
    random = 2 * n * reach + 1  # more than the most travel a plan can have
    unit = n * random + 1       # more than every random visit
    band = np.minimum((visits["probability"].to_numpy(dtype=float) * 10).astype(int), 9)
    targeted = unit * (10 + band)
    confirmed = n * 19 * unit + 1  # more than every targeted visit
    kind = visits["kind"].to_numpy()
    weights = np.where(kind == "targeted", targeted, random)
    return np.where(visits["confirmed"].to_numpy(dtype=bool), confirmed, weights).astype(np.int64)


def _recused_index(recusals: pd.DataFrame, ids: np.ndarray) -> dict[str, list[int]]:
    position = {v: i for i, v in enumerate(ids)}
    known = recusals.loc[recusals["inspector_id"].isin(position)]
    out: dict[str, list[int]] = {}
    for uscc, who in zip(known["uscc"], known["inspector_id"], strict=True):
        out.setdefault(uscc, []).append(position[who])
    return out


def _cells(visits: pd.DataFrame, recused: Mapping[str, list[int]]) -> pd.Series:
    """Cell label per visit: (industry, town) for most; a cell of its own when recused."""
    own = visits["uscc"].isin(recused)
    label = visits["industry"] + "/" + visits["town_code"]
    return label.where(~own, "recused/" + visits["uscc"])


def _offer(size: int) -> int:
    """Inspectors (nearest first) and days offered per cell: about twice the square root of
    the inspector-visits it needs, so the solver has room and the model stays small."""
    return max(OFFER, int(np.ceil(2 * np.sqrt(2 * size))))


def _reason_or_cell(allowed: np.ndarray, within: np.ndarray, slots: np.ndarray,
                    rng: np.random.Generator, hops: np.ndarray, weights: np.ndarray
                    ) -> str | Cell:
    if within.sum() < 2:
        return "no_qualified_pair"
    if allowed.sum() < 2:
        return "recusal"
    open_days = np.flatnonzero((slots[allowed] > 0).sum(axis=0) >= 2)
    if not len(open_days):
        return "outside_window"
    who = np.flatnonzero(allowed)
    offer = _offer(len(weights))
    who = who[np.lexsort((rng.random(len(who)), hops[who]))[:offer]]
    days = np.sort(rng.permutation(open_days)[:offer])
    return Cell(who, hops[who], days, weights)


def assign(visits: pd.DataFrame, inspectors: pd.DataFrame, days: list[date],
           recusals: pd.DataFrame, rng: np.random.Generator,
           neighbours: Mapping[str, Iterable[str]] | None = None, reach: int = 0,
           seconds: float = DEFAULT_SECONDS) -> pd.DataFrame:
    """Visits with `date`, `inspector_ids` (two) and `reason` (None when placed).

    `visits` needs uscc, industry, town_code, kind, probability and `confirmed`."""
    ids = inspectors["inspector_id"].astype(str).to_numpy()
    towns = sorted(set(visits["town_code"]) | {t for own in inspectors["towns"]
                                               for t in split_codes(own)})
    town_index = {t: n for n, t in enumerate(towns)}
    hops = inspector_hops(inspectors, towns, neighbours or {}, reach)
    industries = sorted(set(visits["industry"]))
    skills = [set(split_codes(k)) for k in inspectors["industries"]]
    qualified = np.array([[k in s for k in industries] for s in skills],
                         dtype=bool).reshape(len(ids), len(industries))
    slots = day_slots(inspectors, days)
    recused = _recused_index(recusals, ids)
    weights = priority_weights(visits, reach)
    order = np.lexsort((rng.random(len(visits)), -visits["probability"].to_numpy(dtype=float),
                        -weights))
    ranked = visits.iloc[order].assign(_w=weights[order], _cell=_cells(visits, recused)
                                       .iloc[order].to_numpy())
    reasons = pd.Series(None, index=visits.index, dtype=object)
    cells: list[Cell] = []
    members: list[pd.Index] = []
    for _, group in ranked.groupby("_cell", sort=True):
        first = group.iloc[0]
        t = town_index[first["town_code"]]
        within = qualified[:, industries.index(first["industry"])] & (hops[:, t] <= reach)
        allowed = within.copy()
        allowed[recused.get(first["uscc"], [])] = False  # a recused cell has one visit
        found = _reason_or_cell(allowed, within, slots, rng, hops[:, t],
                                group["_w"].to_numpy())
        if isinstance(found, str):
            reasons[group.index] = found
        else:
            cells.append(found)
            members.append(group.index)
    placed = solve(cells, slots, int(rng.integers(2**31)), seconds) if cells else []
    dates = pd.Series(None, index=visits.index, dtype=object)
    pairs = pd.Series(None, index=visits.index, dtype=object)
    for index, got in zip(members, placed, strict=True):
        for row, (d, a, b) in zip(index, got, strict=False):
            dates[row], pairs[row] = days[d], [ids[a], ids[b]]
        reasons[index[len(got):]] = "capacity"
    return visits.assign(date=dates, inspector_ids=pairs, reason=reasons)
