"""How far each inspector is from each town: borders crossed from the nearest of their own
towns (0 inside them), from the data set's declared neighbours. Travel beyond `reach` borders
is not offered to the solver at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

FAR = np.iinfo(np.int16).max  # beyond any reach


def split_codes(value: object) -> tuple[str, ...]:
    """`a|b|c` (the roster's text form) or a list, as a tuple of codes."""
    if isinstance(value, str):
        return tuple(v for v in value.split("|") if v)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return ()


def town_hops(towns: Sequence[str], neighbours: Mapping[str, Iterable[str]], reach: int
              ) -> np.ndarray:
    """(town × town) borders crossed between two towns, FAR beyond `reach`."""
    index = {t: n for n, t in enumerate(towns)}
    adjacent = np.zeros((len(towns), len(towns)), dtype=bool)
    for town, others in neighbours.items():
        for other in others:
            if town in index and other in index:
                adjacent[index[town], index[other]] = adjacent[index[other], index[town]] = True
    hops = np.full(adjacent.shape, FAR, dtype=np.int16)
    frontier = np.eye(len(towns), dtype=bool)
    seen = frontier.copy()
    np.fill_diagonal(hops, 0)
    for step in range(1, reach + 1):
        frontier = (frontier.astype(np.int32) @ adjacent.astype(np.int32) > 0) & ~seen
        hops[frontier] = step
        seen |= frontier
    return hops


def inspector_hops(inspectors: pd.DataFrame, towns: Sequence[str],
                   neighbours: Mapping[str, Iterable[str]], reach: int) -> np.ndarray:
    """(inspector × town) borders from the inspector's nearest own town, FAR beyond reach."""
    hops = town_hops(towns, neighbours, reach)
    index = {t: n for n, t in enumerate(towns)}
    out = np.full((len(inspectors), len(towns)), FAR, dtype=np.int16)
    for i, own in enumerate(inspectors["towns"]):
        rows = [index[t] for t in split_codes(own) if t in index]
        if rows:
            out[i] = hops[rows].min(axis=0)
    return out
