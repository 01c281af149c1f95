"""Feature rows per (firm, day) pair, without building the whole city on every day.

A cohort of visits needs each visited firm's row of `build_as_of` on its visit date. Built date
by date that costs a full-city build per distinct date. Here the firm's own parts are computed
for all pairs at once: its registered state by binary search in the sorted changes, and its
event history by running the same feature families (`history_columns`) on a virtual set of
"firms", one per pair, holding that firm's events known before the pair's day, with every day
shifted so that each pair's day becomes the same as-of day. Only what compares a firm with
the others on the day (related firms, the peer median) needs the whole city, and that is a few
NumPy counts per distinct day (`DayStats`). The rows equal `build_as_of`'s.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from features.build import HELPERS, as_text, history_columns, joined, with_helpers
from features.contracts import ACTIVE_STATUSES
from features.labels import LABEL_COLUMNS
from features.prepare import Prepared
from features.registry import RELATED_KEYS, own_features
from features.windows import count, count_within, known_before

AS_OF = 0  # every pair's day is shifted to this one
NEVER = np.iinfo(np.int64).max  # `windows.days` of a missing date
WINDOW = {"nearby_complaints": 365}  # tables whose features look back no further than this
Report = Callable[[str], None]


def _expand(ev: dict[str, np.ndarray], firm: np.ndarray, day: np.ndarray,
            lookback: int | None) -> dict[str, np.ndarray]:
    """Each pair's firm's events known before its day (and within `lookback` days), as
    events of the pair (its position), with days shifted so the pair's day is AS_OF. Events
    keep their order in `ev` within each pair, so sums add up in the same order."""
    order = np.argsort(ev["firm"], kind="stable")
    start = np.searchsorted(ev["firm"], firm, side="left", sorter=order)
    stop = np.searchsorted(ev["firm"], firm, side="right", sorter=order)
    sizes = stop - start
    pair = np.repeat(np.arange(len(firm)), sizes)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rows = order[np.repeat(start, sizes) + offset]
    shift = day[pair]
    keep = ev["day"][rows] < shift
    if lookback is not None:
        keep &= ev["day"][rows] >= shift - lookback
    rows, pair, shift = rows[keep], pair[keep], shift[keep]
    out = {name: values[rows] for name, values in ev.items()}
    out["firm"] = pair
    for name in ("day", "removed"):
        if name in out:
            out[name] = np.where(out[name] == NEVER, NEVER, out[name] - shift + AS_OF)
    if lookback is not None:  # such tables are read by day slices: keep them sorted
        by_day = np.argsort(out["day"], kind="stable")
        out = {name: values[by_day] for name, values in out.items()}
    return out


def pair_history(prep: Prepared, firm: np.ndarray, day: np.ndarray) -> dict[str, np.ndarray]:
    """The history features of firm `firm[i]` as of day `day[i]`, for every i."""
    events = {name: _expand(ev, firm, day, WINDOW.get(name))
              for name, ev in prep.events.items()}
    virtual = dataclasses.replace(prep, firms=pd.DataFrame(index=np.arange(len(firm))),
                                  events=events)
    return history_columns(virtual, AS_OF)


def pair_state(prep: Prepared, firm: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    """The register as it stood for each pair (firm, day); index = pair position."""
    state = prep.firms.iloc[firm].reset_index(drop=True)
    for column, history in prep.register.fields.items():
        codes = history.codes_at(firm, day)
        state[column] = codes if history.values is None else history.values[codes]
    return state


@dataclasses.dataclass
class DayStats:
    """What the related-firm and peer features count over the whole city, per day: dense
    codes of the address and representative keys, and each firm's peer group."""

    keys: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (current codes, old codes)
    peer: np.ndarray  # group code per firm (-1: no town)
    active_code: np.ndarray  # per status code: in business

    @classmethod
    def of(cls, prep: Prepared) -> DayStats:
        keys = {}
        for name, column in RELATED_KEYS.items():
            history = prep.register.fields[column]
            both = np.concatenate([[0], history.current, history.old])
            codes = pd.factorize(both)[0]  # the missing key (0) is code 0
            n = len(history.current)
            keys[name] = (codes[1:n + 1], codes[n + 1:])
        town = prep.firms["town_code"]
        peer = pd.factorize(pd.MultiIndex.from_arrays([town, prep.firms["industry"]]))[0]
        status = prep.register.fields["status"]
        active = np.isin(np.asarray(status.values, dtype=object), ACTIVE_STATUSES)
        return cls(keys, np.where(town.isna().to_numpy(), -1, peer), active)

    def related(self, prep: Prepared, day: int, firm: np.ndarray, own: pd.DataFrame
                ) -> dict[str, np.ndarray]:
        """`related_features` of `firm` (all in business on `day`), with `own` their
        `_penalised`, `_listed` and `comp_365d`."""
        n = prep.size
        active = (prep.register.registered < day) & self.active_code[
            prep.register.fields["status"].codes_as_of(day)]
        pen, lst, comp = (prep.events[k] for k in ("penalties", "listings", "complaints"))
        penalised = count_within(pen, known_before(pen, day), day, 1095, n) > 0
        open_ = known_before(lst, day) & ~lst["serious"] & (lst["removed"] >= day)
        listed = count(lst["firm"][open_], n) > 0
        out: dict[str, np.ndarray] = {}
        for name, column in RELATED_KEYS.items():
            history = prep.register.fields[column]
            current, old = self.keys[name]
            codes = dataclasses.replace(history, current=current, old=old).codes_as_of(day)
            size = int(codes.max()) + 1
            firms, pens, lists = (np.bincount(codes[active], weights=w, minlength=size)
                                  for w in (None, penalised[active].astype(float),
                                            listed[active].astype(float)))
            mine = codes[firm]
            has = mine != 0
            out[f"{name}_firms"] = np.where(has, firms[mine] - 1, 0.0)
            out[f"{name}_firms_penalised"] = np.where(
                has, pens[mine] - own["_penalised"].to_numpy(), 0.0)
            out[f"{name}_firms_listed"] = np.where(
                has, lists[mine] - own["_listed"].to_numpy(), 0.0)
        comp_365d = count_within(comp, known_before(comp, day), day, 365, n)
        median = peer_median(self.peer[active], comp_365d[active], self.peer[firm])
        out["comp_rate_vs_peer"] = (own["comp_365d"].to_numpy() + 1) / (median + 1)
        return out


def peer_median(group: np.ndarray, value: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The median of `value` (counts, mostly 0) within each group of `wanted` (NaN for -1),
    as pandas computes it: the mean of the two middle values. Only the non-zero values are
    sorted; the zeros of a group are one entry."""
    known = group >= 0
    group, value = group[known], value[known]
    size = int(max(group.max(initial=-1), wanted.max(initial=-1))) + 1
    total = np.bincount(group, minlength=size)
    nonzero = value != 0
    zeros = total - np.bincount(group[nonzero], minlength=size)
    entry_group = np.concatenate([np.arange(size), group[nonzero]])
    entry_value = np.concatenate([np.zeros(size), value[nonzero]])
    entry_count = np.concatenate([zeros, np.ones(int(nonzero.sum()), dtype=np.int64)])
    order = np.lexsort((entry_value, entry_group))
    entry_group, entry_value = entry_group[order], entry_value[order]
    ends = np.cumsum(entry_count[order])
    out = np.full(len(wanted), np.nan)
    ok = wanted >= 0
    ok[ok] = total[wanted[ok]] > 0
    first = np.searchsorted(entry_group, wanted[ok], side="left")
    offset = ends[first] - entry_count[order][first]
    n = total[wanted[ok]]
    low = np.searchsorted(ends, offset + (n + 1) // 2, side="left")
    high = np.searchsorted(ends, offset + n // 2 + 1, side="left")
    out[ok] = (entry_value[low] + entry_value[high]) / 2
    return out


def pair_rows(prep: Prepared, firm: np.ndarray, day: np.ndarray,
              step: Callable[[], None] | None = None, report: Report | None = None
              ) -> pd.DataFrame:
    """`build_as_of`'s row of firm `firm[i]` on day `day[i]` (labels empty) for every pair
    whose firm is in business on its day, with the column `_pair` = i; `step` is called once
    per distinct day, `report` with a line per stage."""
    started = time.perf_counter()
    state = pair_state(prep, firm, day)
    active = (prep.register.registered[firm] < day) & state["status"].isin(
        ACTIVE_STATUSES).to_numpy()
    pair = np.flatnonzero(active)
    state, firm, day = state.loc[active].reset_index(drop=True), firm[active], day[active]
    level = state[["uscc", "town_code", *HELPERS[:3]]].join(
        own_features(state, day, prep.meta.not_recorded))
    for name, values in pair_history(prep, firm, day).items():
        level[name] = values
    level = with_helpers(level, {name: np.full(len(level), np.nan) for name in LABEL_COLUMNS})
    if report:
        report(f"register and history of {len(level):,} (firm, day) pairs: "
               f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    related = _related_by_day(prep, level, firm, day, step)
    if report:
        report(f"related firms and peers on {len(np.unique(day)):,} days: "
               f"{time.perf_counter() - started:.1f} s")
    full, order = joined(level, related)
    return as_text(full[order]).assign(industry=full["industry"].to_numpy(), _pair=pair)


def _related_by_day(prep: Prepared, level: pd.DataFrame, firm: np.ndarray, day: np.ndarray,
                    step: Callable[[], None] | None) -> pd.DataFrame:
    """The related-firm and peer columns of every pair, one distinct day at a time."""
    stats = DayStats.of(prep)
    columns: dict[str, np.ndarray] = {}
    order = np.argsort(day, kind="stable")
    bounds = np.flatnonzero(np.r_[True, day[order][1:] != day[order][:-1], True])
    if not len(day):  # no pair: the columns, empty
        return pd.DataFrame(stats.related(prep, 0, firm, level), index=level.index)
    for lo, hi in itertools.pairwise(bounds):
        rows = order[lo:hi]
        found = stats.related(prep, int(day[rows[0]]), firm[rows], level.iloc[rows])
        for name, values in found.items():
            columns.setdefault(name, np.empty(len(level)))[rows] = values
        if step:
            step()
    return pd.DataFrame(columns, index=level.index)
