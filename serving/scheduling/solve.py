"""The assignment as a CP-SAT model (OR-Tools): the law as hard constraints, priorities as
the objective.

Visits that share every candidate inspector (same industry and town, nobody recused) form a
*cell* and are interchangeable for the law, so the model counts rather than names them: per
cell and day `m` visits, per candidate inspector and day `n` of those visits, with
`sum(n) = 2 m` (two inspectors per visit) and `n <= m` (never the same inspector twice on one
visit) — exactly the condition under which the day's `m` visits split into pairs of two
different inspectors. Per inspector-day, `sum(n)` over cells stays within their visits per day
(zero on days away). Which of a cell's visits are placed follows their weights (the caller's
priorities), and every inspector-visit costs the borders crossed to reach it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

DEFAULT_SECONDS = 2.0  # deterministic time (about wall seconds); a plan is never slower than 4×


@dataclass(frozen=True)
class Cell:
    candidates: np.ndarray  # inspector indices allowed to visit any of the cell's visits
    hops: np.ndarray        # borders each candidate crosses to get there
    days: np.ndarray        # the working days offered (indices)
    weights: np.ndarray     # the value of placing each visit, in the order they are placed


@dataclass
class _Day:
    day: int
    count: cp_model.IntVar
    who: np.ndarray
    each: list[cp_model.IntVar]


def _cell_days(model: cp_model.CpModel, cell: Cell, slots: np.ndarray,
               load: dict[tuple[int, int], list[cp_model.IntVar]],
               travel: list[tuple[cp_model.IntVar, int]]) -> list[_Day]:
    size = len(cell.weights)
    usable = slots[np.ix_(cell.candidates, cell.days)] > 0
    out = []
    for j in np.flatnonzero(usable.sum(axis=0) >= 2):
        d, rows = cell.days[j], np.flatnonzero(usable[:, j])
        who = cell.candidates[rows]
        m = model.new_int_var(0, int(min(size, slots[who, d].sum() // 2)), "")
        each = []
        for i, h in zip(who, cell.hops[rows], strict=True):
            n = model.new_int_var(0, int(min(slots[i, d], size)), "")
            if min(slots[i, d], size) > 1:  # at most 1 already follows from sum(n) == 2 m
                model.add(n <= m)
            each.append(n)
            load[(int(i), int(d))].append(n)
            if h:
                travel.append((n, int(h)))
        model.add(sum(each) == 2 * m)
        out.append(_Day(int(d), m, who, each))
    return out


def _placed_value(model: cp_model.CpModel, cell: Cell, days: list[_Day]
                  ) -> list[tuple[cp_model.IntVar, int]]:
    """Placed visits per weight level; their sum is the cell's placed count."""
    levels, counts = np.unique(cell.weights, return_counts=True)
    parts = [model.new_int_var(0, int(c), "") for c in counts]
    model.add(sum(parts) == sum(d.count for d in days))
    return list(zip(parts, (int(w) for w in levels), strict=True))


def _pairs(day: int, who: np.ndarray, counts: list[int], m: int) -> list[tuple[int, int, int]]:
    """Split a day's m visits among inspectors (each at most m times) into distinct pairs."""
    line = np.repeat(who, counts)
    return [(day, int(line[k]), int(line[k + m])) for k in range(m)]


def solve(cells: list[Cell], slots: np.ndarray, seed: int,
          seconds: float = DEFAULT_SECONDS) -> list[list[tuple[int, int, int]]]:
    """Per cell, (day, inspector a, inspector b) of its placed visits, by day."""
    model = cp_model.CpModel()
    load: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    travel: list[tuple[cp_model.IntVar, int]] = []
    plans = [_cell_days(model, cell, slots, load, travel) for cell in cells]
    value = [term for cell, days in zip(cells, plans, strict=True) if days
             for term in _placed_value(model, cell, days)]
    for (i, d), each in load.items():
        if len(each) > 1 or each[0].proto.domain[-1] > slots[i, d]:
            model.add(sum(each) <= int(slots[i, d]))
    terms = [v for v, _ in value] + [v for v, _ in travel]
    weights = [w for _, w in value] + [-h for _, h in travel]
    if not terms:
        return [[] for _ in cells]
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, weights))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1          # one worker and a deterministic budget:
    solver.parameters.random_seed = seed % (2**31)  # the same inputs give the same plan
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.cp_model_probing_level = 0  # probing costs more than it finds here
    solver.parameters.max_time_in_seconds = 4 * seconds
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"the assignment solver found no plan ({solver.status_name(status)})")
    out = []
    for days in plans:
        placed = []
        for one in days:
            m = int(solver.value(one.count))
            if m:
                placed += _pairs(one.day, one.who, [int(solver.value(n)) for n in one.each], m)
        out.append(placed)
    return out
