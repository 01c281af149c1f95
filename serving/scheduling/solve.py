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

The search starts from the first-fit plan (`serving.scheduling.greedy`), runs on one worker
with a deterministic time budget (the same inputs give the same plan on any machine load), and
keeps the first-fit plan if it finds nothing better in time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from serving.scheduling.greedy import first_fit
from serving.scheduling.solve_types import Cell, Placed

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

DEFAULT_SECONDS = 2.0  # deterministic time (about wall seconds on an idle machine)
# A wall-clock stop would make the plan depend on the machine's load (seen: the same request
# planned 112 visits, then 113, at load 7 under a 4x cap); this one is only a guard against a
# runaway search, far above what a loaded machine takes for the deterministic budget
WALL_GUARD = 30
__all__ = ["DEFAULT_SECONDS", "Cell", "solve"]


@dataclass
class _Day:
    day: int
    count: cp_model.IntVar
    who: np.ndarray
    each: list[cp_model.IntVar]


@dataclass
class _Cell:
    days: list[_Day]
    levels: np.ndarray          # the cell's distinct weights, ascending
    parts: list[cp_model.IntVar]  # visits placed per weight level


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


def _model_cell(model: cp_model.CpModel, cell: Cell, slots: np.ndarray,
                load: dict[tuple[int, int], list[cp_model.IntVar]],
                travel: list[tuple[cp_model.IntVar, int]]) -> _Cell:
    days = _cell_days(model, cell, slots, load, travel)
    levels, counts = np.unique(cell.weights, return_counts=True)
    parts = [model.new_int_var(0, int(c) if days else 0, "") for c in counts]
    model.add(sum(parts) == sum(d.count for d in days))
    return _Cell(days, levels, parts)


def _hint(model: cp_model.CpModel, cell: Cell, vars_: _Cell, placed: Placed) -> None:
    per_day = Counter(d for d, _, _ in placed)
    per_inspector = Counter((d, i) for d, a, b in placed for i in (a, b))
    for one in vars_.days:
        model.add_hint(one.count, per_day[one.day])
        for i, n in zip(one.who, one.each, strict=True):
            model.add_hint(n, per_inspector[(one.day, int(i))])
    top = Counter(cell.weights[: len(placed)].tolist())
    for level, part in zip(vars_.levels, vars_.parts, strict=True):
        model.add_hint(part, top[int(level)])


def _pairs(day: int, who: np.ndarray, counts: list[int], m: int) -> Placed:
    """Split a day's m visits among inspectors (each at most m times) into distinct pairs."""
    line = np.repeat(who, counts)
    return [(day, int(line[k]), int(line[k + m])) for k in range(m)]


def _read(solver: cp_model.CpSolver, cells: list[_Cell]) -> list[Placed]:
    out = []
    for vars_ in cells:
        placed: Placed = []
        for one in vars_.days:
            m = int(solver.value(one.count))
            if m:
                placed += _pairs(one.day, one.who, [int(solver.value(n)) for n in one.each], m)
        out.append(placed)
    return out


def solve(cells: list[Cell], slots: np.ndarray, seed: int,
          seconds: float = DEFAULT_SECONDS) -> list[Placed]:
    """Per cell, (day, inspector a, inspector b) of its placed visits."""
    # OR-Tools here, not at import: every service worker imports this module, and the solver's
    # library took 20 MB of each one's own memory before any plan was asked for
    from ortools.sat.python import cp_model

    first = first_fit(cells, slots)
    model = cp_model.CpModel()
    load: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    travel: list[tuple[cp_model.IntVar, int]] = []
    built = [_model_cell(model, cell, slots, load, travel) for cell in cells]
    for (i, d), each in load.items():
        if len(each) > 1 or each[0].proto.domain[-1] > slots[i, d]:
            model.add(sum(each) <= int(slots[i, d]))
    terms = [p for c in built for p in c.parts] + [v for v, _ in travel]
    weights = [int(w) for c in built for w in c.levels] + [-h for _, h in travel]
    if not terms:
        return first
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, weights))
    for cell, vars_, placed in zip(cells, built, first, strict=True):
        _hint(model, cell, vars_, placed)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31)
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = WALL_GUARD * seconds
    solver.parameters.cp_model_probing_level = 0  # probing costs more than it finds here
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return first
    return _read(solver, built)
