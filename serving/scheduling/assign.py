"""Who visits, and when: two different inspectors per visit, drawn at random among those
qualified for the firm's industry and town, never one who visited the firm in the last 12
months (recusal), never beyond their visits per day or on their unavailable dates; each
inspector-day serves one town, and visits to a town go first to days whose inspectors are
already there, to cut travel.

The loop runs over visits (a month is a few thousand), never over firms.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

FREE = -1  # an inspector-day not yet tied to a town


def _as_set(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(v for v in value.split("|") if v)
    if isinstance(value, Iterable):
        return frozenset(str(v) for v in value)
    return frozenset()


def day_slots(inspectors: pd.DataFrame, days: list[date]) -> np.ndarray:
    """Visits each inspector can still make on each working day (0 when unavailable)."""
    per_day = inspectors["visits_per_day"].to_numpy(dtype=int)
    slots = np.repeat(per_day[:, None], len(days), axis=1)
    index = {d: j for j, d in enumerate(days)}
    for i, away in enumerate(inspectors["unavailable_dates"]):
        for text in _as_set(away):
            j = index.get(date.fromisoformat(text))
            if j is not None:
                slots[i, j] = 0
    return slots


def qualified(inspectors: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """(industry, town) -> indices of inspectors qualified for both."""
    towns = [_as_set(t) for t in inspectors["towns"]]
    industries = [_as_set(k) for k in inspectors["industries"]]
    pairs: dict[tuple[str, str], list[int]] = {}
    for i, (ts, ks) in enumerate(zip(towns, industries, strict=True)):
        for k in ks:
            for t in ts:
                pairs.setdefault((k, t), []).append(i)
    return {key: np.asarray(v, dtype=int) for key, v in pairs.items()}


def _pick(candidates: np.ndarray, slots: np.ndarray, town_of: np.ndarray, town: int,
          rng: np.random.Generator) -> tuple[int, int, int] | None:
    """(day, inspector a, inspector b) for one visit, or None when no pair is free."""
    free = slots[candidates] > 0
    here = free & (town_of[candidates] == town)
    usable = free & ((town_of[candidates] == FREE) | here)
    enough = usable.sum(axis=0) >= 2
    if not enough.any():
        return None
    grouped = np.minimum(here.sum(axis=0), 2) * enough
    day = int(np.flatnonzero(grouped == grouped.max())[0]) if grouped.max() else int(
        np.flatnonzero(enough)[0])
    pool = np.flatnonzero(usable[:, day])
    keys = rng.random(len(pool)) - 2.0 * here[pool, day]  # inspectors already there first
    a, b = candidates[pool[np.argsort(keys)[:2]]]
    return day, int(a), int(b)


def assign(visits: pd.DataFrame, inspectors: pd.DataFrame, days: list[date],
           recusals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Visits with `date` and `inspector_ids` (two); unassignable ones keep None in both."""
    ids = inspectors["inspector_id"].astype(str).to_numpy()
    position = {v: i for i, v in enumerate(ids)}
    recused: dict[str, set[int]] = {}
    for uscc, inspector in zip(recusals["uscc"], recusals["inspector_id"], strict=True):
        if inspector in position:
            recused.setdefault(uscc, set()).add(position[inspector])
    slots = day_slots(inspectors, days)
    town_of = np.full(slots.shape, FREE, dtype=int)
    town_index = {t: n for n, t in enumerate(sorted(visits["town_code"].unique()))}
    pools = qualified(inspectors)
    empty = np.empty(0, dtype=int)
    order = visits.assign(_town=visits["town_code"].map(town_index),
                          _key=rng.random(len(visits)))
    town_rank = dict(zip(town_index, rng.permutation(len(town_index)), strict=True))
    order = order.assign(_rank=order["town_code"].map(town_rank)).sort_values(
        ["_rank", "_key"], kind="stable")
    dates: list[date | None] = [None] * len(visits)
    pairs: list[list[str] | None] = [None] * len(visits)
    rows = visits.index.get_indexer(order.index)
    for row, uscc, industry, town, t in zip(rows, order["uscc"], order["industry"],
                                            order["town_code"], order["_town"], strict=True):
        candidates = pools.get((industry, town), empty)
        if uscc in recused:
            candidates = candidates[~np.isin(candidates, list(recused[uscc]))]
        picked = _pick(candidates, slots, town_of, int(t), rng) if len(candidates) >= 2 \
            else None
        if picked is None:
            continue
        day, a, b = picked
        slots[[a, b], day] -= 1
        town_of[[a, b], day] = t
        dates[row], pairs[row] = days[day], [ids[a], ids[b]]
    out = visits.copy()
    out["date"] = dates
    out["inspector_ids"] = pd.Series(pairs, index=out.index, dtype=object)
    return out
