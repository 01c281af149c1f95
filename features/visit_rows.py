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


STRIDE = np.int64(1 << 32)  # (firm, day) as one sortable key: firm in the high bits


def _firm_day_keys(ev: dict[str, np.ndarray], hit: np.ndarray) -> np.ndarray:
    """Sorted (firm, day) keys of the `hit` events of registered firms."""
    hit = hit & (ev["firm"] >= 0)
    return np.sort(ev["firm"][hit] * STRIDE + ev["day"][hit])


def _within(keys: np.ndarray, firm: np.ndarray, day: int, lookback: int) -> np.ndarray:
    """Per firm, the events with day - lookback <= day < day in sorted (firm, day) keys."""
    probe = firm * STRIDE + day
    return (np.searchsorted(keys, probe, side="left")
            - np.searchsorted(keys, probe - lookback, side="left"))


@dataclasses.dataclass
class DayStats:
    """What the related-firm and peer features compare a firm with, per day, over the whole
    city: dense codes of the address and representative keys, each firm's peer group,
    penalties by (firm, day), open abnormal listings by firm, linked complaints by day."""

    keys: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (current codes, old codes)
    peer: np.ndarray  # group code per firm (-1: no town)
    active_code: np.ndarray  # per status code: in business
    penalties: np.ndarray  # sorted (firm, day) keys
    listings: dict[str, np.ndarray]  # abnormal listings sorted by firm: firm, day, removed
    complaints: tuple[np.ndarray, np.ndarray]  # linked complaints sorted by day: day, firm

    @classmethod
    def of(cls, prep: Prepared) -> DayStats:
        keys = {}
        for name, column in RELATED_KEYS.items():
            history = prep.register.fields[column]
            both = np.concatenate([[0], history.current, history.old])
            codes = pd.factorize(both)[0]  # the missing key (0) is code 0
            n = len(history.current)
            keys[name] = (codes[1:n + 1], codes[n + 1:])
        town = pd.factorize(prep.firms["town_code"])[0]  # -1: no town
        industry = pd.factorize(prep.firms["industry"])[0]
        peer = np.where(town >= 0, town * (industry.max(initial=0) + 1) + industry, -1)
        status = prep.register.fields["status"]
        active = np.isin(np.asarray(status.values, dtype=object), ACTIVE_STATUSES)
        pen, lst, comp = (prep.events[k] for k in ("penalties", "listings", "complaints"))
        abnormal = ~lst["serious"] & (lst["firm"] >= 0)
        by_firm = np.argsort(lst["firm"][abnormal], kind="stable")
        listings = {k: lst[k][abnormal][by_firm] for k in ("firm", "day", "removed")}
        linked = comp["firm"] >= 0
        by_day = np.argsort(comp["day"][linked], kind="stable")
        return cls(keys, peer, active,
                   _firm_day_keys(pen, np.ones(len(pen["firm"]), dtype=bool)), listings,
                   (comp["day"][linked][by_day], comp["firm"][linked][by_day]))

    def listed(self, firm: np.ndarray, day: int) -> np.ndarray:
        """Whether each firm has an abnormal listing known before `day` and open on it."""
        lst = self.listings
        start = np.searchsorted(lst["firm"], firm, side="left")
        sizes = np.searchsorted(lst["firm"], firm, side="right") - start
        owner = np.repeat(np.arange(len(firm)), sizes)
        rows = np.repeat(start, sizes) + np.arange(len(owner)) - np.repeat(
            np.cumsum(sizes) - sizes, sizes)
        open_ = (lst["day"][rows] < day) & (lst["removed"][rows] >= day)
        return np.bincount(owner[open_], minlength=len(firm)) > 0

    def related(self, prep: Prepared, day: int, firm: np.ndarray, own: dict[str, np.ndarray]
                ) -> dict[str, np.ndarray]:
        """`related_features` of `firm` (all in business on `day`), with `own` their
        `_penalised`, `_listed` and `comp_365d`. Only the firms sharing a key with them are
        looked at, besides one pass over every firm's status and keys."""
        active = (prep.register.registered < day) & self.active_code[
            prep.register.fields["status"].codes_as_of(day)]
        out: dict[str, np.ndarray] = {}
        for name, column in RELATED_KEYS.items():
            current, old = self.keys[name]
            history = dataclasses.replace(prep.register.fields[column], current=current,
                                          old=old)
            codes = history.codes_as_of(day)
            mine = codes[firm]
            wanted = np.zeros(len(current) + len(old) + 1, dtype=bool)
            wanted[mine] = True
            wanted[0] = False
            members = np.flatnonzero(wanted[codes] & active)
            groups, group_of = np.unique(codes[members], return_inverse=True)
            penalised = _within(self.penalties, members, day, 1095) > 0
            listed = self.listed(members, day)
            sums = [np.bincount(group_of, weights=w, minlength=len(groups))
                    for w in (None, penalised.astype(float), listed.astype(float))]
            at = np.minimum(np.searchsorted(groups, mine), max(len(groups) - 1, 0))
            has = mine != 0
            for suffix, total, own_value in (("", sums[0], 1.0),
                                             ("_penalised", sums[1], own["_penalised"]),
                                             ("_listed", sums[2], own["_listed"])):
                value = total[at] if len(groups) else np.zeros(len(firm))
                out[f"{name}_firms{suffix}"] = np.where(
                    has, value - np.asarray(own_value, dtype=float), 0.0)
        out["comp_rate_vs_peer"] = (own["comp_365d"] + 1) / (
            self.peer_median(active, day, self.peer[firm]) + 1)
        return out

    def peer_median(self, active: np.ndarray, day: int, wanted: np.ndarray) -> np.ndarray:
        """The median complaints in the year before `day` of the firms in business in each
        peer group of `wanted`."""
        comp_day, comp_firm = self.complaints
        window = slice(np.searchsorted(comp_day, day - 365, side="left"),
                       np.searchsorted(comp_day, day, side="left"))
        firm, counts = np.unique(comp_firm[window], return_counts=True)
        keep = active[firm] & (self.peer[firm] >= 0)
        groups = int(self.peer.max(initial=-1)) + 1
        total = np.bincount(self.peer[active] + 1, minlength=groups + 1)[1:]  # -1: no town
        return peer_median(total, self.peer[firm[keep]], counts[keep].astype(float), wanted)


def peer_median(total: np.ndarray, group: np.ndarray, value: np.ndarray, wanted: np.ndarray
                ) -> np.ndarray:
    """The median within each group of `wanted` (NaN for -1 or an empty group) of values
    that are 0 but for the non-zero `value`s of `group`, `total[g]` values in group g; as
    pandas computes it, the mean of the two middle values."""
    size = len(total)
    zeros = total - np.bincount(group, minlength=size)
    entry_group = np.concatenate([np.arange(size), group])
    entry_value = np.concatenate([np.zeros(size), value])
    entry_count = np.concatenate([zeros, np.ones(len(group), dtype=np.int64)])
    order = np.lexsort((entry_value, entry_group))
    entry_group, entry_value = entry_group[order], entry_value[order]
    entry_count = entry_count[order]
    ends = np.cumsum(entry_count)
    out = np.full(len(wanted), np.nan)
    ok = (wanted >= 0) & (wanted < size)
    ok[ok] = total[wanted[ok]] > 0
    first = np.searchsorted(entry_group, wanted[ok], side="left")
    offset = ends[first] - entry_count[first]
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
    own = {name: level[name].to_numpy(dtype=float) for name in
           ("_penalised", "_listed", "comp_365d")}
    columns: dict[str, np.ndarray] = {}
    order = np.argsort(day, kind="stable")
    bounds = np.flatnonzero(np.r_[True, day[order][1:] != day[order][:-1], True])
    if not len(day):  # no pair: the columns, empty
        return pd.DataFrame(stats.related(prep, 0, firm, own), index=level.index)
    for lo, hi in itertools.pairwise(bounds):
        rows = order[lo:hi]
        found = stats.related(prep, int(day[rows[0]]), firm[rows],
                              {name: values[rows] for name, values in own.items()})
        for name, values in found.items():
            columns.setdefault(name, np.empty(len(level)))[rows] = values
        if step:
            step()
    return pd.DataFrame(columns, index=level.index)
