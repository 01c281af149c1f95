"""A first plan without a solver: visits in priority order, each on the first offered day
with two free candidates, nearest first. The solver starts from it (so it never returns less),
and it stands when the solver's time runs out before it finds anything better."""

from __future__ import annotations

import numpy as np

from serving.scheduling.solve_types import Cell, Placed


def first_fit(cells: list[Cell], slots: np.ndarray) -> list[Placed]:
    """Per cell, (day, inspector a, inspector b) of the visits placed, in placement order."""
    free = slots.copy()
    order = sorted(((-int(w), c, k) for c, cell in enumerate(cells)
                    for k, w in enumerate(cell.weights)))
    placed: list[Placed] = [[] for _ in cells]
    for _, c, k in order:
        cell = cells[c]
        if k > len(placed[c]):  # a cell's visits are placed in their order
            continue
        usable = free[np.ix_(cell.candidates, cell.days)] > 0
        open_days = np.flatnonzero(usable.sum(axis=0) >= 2)
        if not len(open_days):
            continue
        j = open_days[0]
        rows = np.flatnonzero(usable[:, j])
        d = int(cell.days[j])
        who = cell.candidates[rows]
        a, b = who[np.lexsort((-free[who, d], cell.hops[rows]))[:2]]
        free[[a, b], d] -= 1
        placed[c].append((d, int(a), int(b)))
    return placed
