"""The month-by-month market: risk moves, events follow, the bureau reacts.

One loop over months (60 for five years); inside it every step is a whole-array operation over
all firms, so 1.6 million firms cost the same Python overhead as a hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from features.simulate import catalog as cat
from features.simulate import events as ev
from features.simulate.population import EPOCH, Population
from features.simulate.recorder import Recorder
from features.simulate.risk import (
    COMPLAINT_SEASON,
    DRIFT_SD,
    monthly_logit,
    sigmoid,
    static_logit,
    step_drift,
)

NEVER = np.iinfo(np.int64).max
TruthSink = Callable[[int, np.ndarray, np.ndarray], None]


@dataclass
class State:
    """What each firm carries from month to month."""

    n: int
    alive: np.ndarray = field(init=False)
    drift: np.ndarray = field(init=False)
    history: np.ndarray = field(init=False)
    listed_until: np.ndarray = field(init=False)
    last_random: np.ndarray = field(init=False)
    onset: np.ndarray = field(init=False)
    ramp_len: np.ndarray = field(init=False)
    collapsed: np.ndarray = field(init=False)
    penalised: np.ndarray = field(init=False)
    serious_due: np.ndarray = field(init=False)
    complained: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.alive = np.ones(n, dtype=bool)
        self.drift = np.zeros(n)
        self.history = np.zeros(n)
        self.listed_until = np.full(n, -1, dtype=np.int64)
        self.last_random = np.full(n, -99, dtype=np.int64)
        self.onset = np.full(n, -1, dtype=np.int64)
        self.ramp_len = np.zeros(n, dtype=np.int64)
        self.collapsed = np.zeros(n, dtype=bool)
        self.penalised = np.zeros(n)
        self.serious_due = np.full(n, NEVER, dtype=np.int64)
        self.complained = np.zeros(n)


@dataclass
class Register:
    """The registered facts that changes move: ids of people and addresses, capital, scope."""

    rep: np.ndarray
    addr: np.ndarray
    capital: np.ndarray
    scope: np.ndarray
    next_person: int
    next_addr: int

    @classmethod
    def of(cls, pop: Population) -> Register:
        return cls(pop.rep.astype(np.int64), pop.addr.astype(np.int64), pop.capital.copy(),
                   pop.key.astype(np.int64), pop.n_people, pop.n_addresses)

    def people(self, n: int) -> np.ndarray:
        """Ids for `n` people new to the register."""
        self.next_person += n
        return np.arange(self.next_person - n, self.next_person)

    def addresses(self, n: int) -> np.ndarray:
        self.next_addr += n
        return np.arange(self.next_addr - n, self.next_addr)


def months(start_day: int, end_day: int) -> Iterator[ev.Month]:
    first = (EPOCH + np.timedelta64(start_day, "D")).astype("datetime64[M]")
    last = (EPOCH + np.timedelta64(end_day - 1, "D")).astype("datetime64[M]")
    for i, month in enumerate(np.arange(first, last + 1)):
        lo = max(int((month.astype("datetime64[D]") - EPOCH).astype(int)), start_day)
        hi = min(int(((month + 1).astype("datetime64[D]") - EPOCH).astype(int)), end_day)
        yield ev.Month(i, lo, hi - lo, int(month.astype(int) % 12) + 1, end_day)


def run_market(rng: np.random.Generator, pop: Population, insp: ev.Inspectors,
               start_day: int, end_day: int, rec: Recorder, truth: TruthSink,
               progress: Callable[[], None] | None = None, record_from: int = 0) -> Register:
    """Simulate every month from start_day to end_day; events go to `rec`, risk to `truth`.

    Returns the register as it stands at the end (current representative, address, capital).
    Risk is reported to `truth` from `record_from` on; the months before are a burn-in.
    """
    s = State(pop.size)
    static = static_logit(pop)
    s.drift = rng.normal(0.0, DRIFT_SD, pop.size)
    bureau_view = rng.normal(0.0, 0.35, pop.size)  # what the bureau knows beyond the sources
    reg = Register.of(pop)
    for m in months(start_day, end_day):
        act = s.alive & (pop.est_day < m.first_day + m.days)
        listed = (s.listed_until > m.first_day).astype(float)
        ramp = _ramp(s, m.index)
        logit = monthly_logit(static, pop, m.first_day, m.calendar_month, s.drift, s.history,
                              listed, ramp)
        risk = sigmoid(logit)
        idx = np.flatnonzero(act)
        if m.first_day >= record_from:
            truth(m.first_day, idx, risk[idx])

        season = COMPLAINT_SEASON[pop.key, m.calendar_month]
        targeted = ev.complaints(rng, pop, act, logit, risk, season, m, rec)
        points = (3 * s.penalised + 2 * listed + 0.5 * s.complained + 0.5 * pop.cluster
                  + 0.3 * pop.shared_rep + 0.4 * (m.first_day - pop.est_day < 365) + bureau_view)
        _, drawn, prob = ev.random_draw(rng, act, points, s.last_random, m)
        s.last_random[drawn] = m.index
        firm = np.concatenate([drawn, targeted])
        day = m.first_day + rng.integers(0, m.days, len(firm))
        day[len(drawn):] = np.minimum(day[len(drawn):] + rng.integers(3, 20, len(targeted)),
                                      m.end_day - 1)
        prob = np.concatenate([prob, np.full(len(targeted), np.nan)])
        gone = s.collapsed | (listed > 0) & pop.cluster
        firm, case = ev.inspect(rng, pop, insp, firm, day, prob, risk, gone, rec)
        fined_visit = case & (rng.random(len(firm)) < 0.85)
        fined = firm[fined_visit]
        ev.penalties(rng, fined, day[fined_visit], 45.0, 0, rec)
        other = np.flatnonzero(act & (rng.random(pop.size) < 0.00015 * np.exp(logit + 1.6)))
        ev.penalties(rng, other, m.first_day + rng.integers(0, m.days, len(other)), 60.0, 1, rec)
        hit = np.concatenate([fined, other])
        s.history[hit] += 1.0
        s.penalised[hit] += 1.0
        complained_now = np.bincount(targeted, minlength=pop.size)
        s.complained = 0.9 * s.complained + complained_now

        _listings(rng, pop, s, act, logit, m, rec)
        _collapse(rng, pop, s, act, logit, m, rec)
        _changes(rng, pop, reg, act, logit, ramp, m, rec)
        _exits(rng, pop, s, act, listed, m, rec)

        s.drift = step_drift(rng, s.drift)
        s.history *= 0.97
        s.penalised *= 0.96
        if progress:
            progress()
    return reg


def _ramp(s: State, month: int) -> np.ndarray:
    started = (s.onset >= 0) & ~s.collapsed
    frac = np.where(started, (month - s.onset) / np.maximum(s.ramp_len, 1), 0.0)
    return np.clip(frac, 0.0, 1.0)


def _listings(rng: np.random.Generator, pop: Population, s: State, act: np.ndarray,
              logit: np.ndarray, m: ev.Month, rec: Recorder) -> None:
    from features.simulate.risk import BASE

    if m.calendar_month == 7:
        firm, until = ev.annual_report_listings(rng, pop, act, logit, m, rec)
        s.listed_until[firm] = np.maximum(s.listed_until[firm], until)
        _schedule_serious(s, firm, until, m.first_day)
    hazard = 0.0004 * np.exp(0.8 * (logit - BASE[pop.key])) * (1 + 4 * pop.cluster)
    hazard = np.where(s.collapsed, 0.2, hazard)
    unlisted = act & (s.listed_until < m.first_day)
    unreachable = np.flatnonzero(unlisted & (rng.random(pop.size) < hazard))
    day = m.first_day + rng.integers(0, m.days, len(unreachable))
    until = ev.listing(rng, unreachable, day, 3, p_removed=0.3, mean_days=120.0, rec=rec)
    s.listed_until[unreachable] = until
    _schedule_serious(s, unreachable, until, m.first_day)
    due = np.flatnonzero(act & (s.serious_due < m.first_day + m.days))
    ev.listing(rng, due, s.serious_due[due], 4, 0.0, 1.0, rec)
    s.serious_due[due] = NEVER
    minor = np.flatnonzero(act & (rng.random(pop.size) < 0.0001))
    day = m.first_day + rng.integers(0, m.days, len(minor))
    reason = 1 + (rng.random(len(minor)) < 0.3)
    for r in (1, 2):
        ev.listing(rng, minor[reason == r], day[reason == r], r, 0.7, 40.0, rec)


def _schedule_serious(s: State, firm: np.ndarray, until: np.ndarray, day: int) -> None:
    """An entry never removed moves a firm still in business to the serious list in 3 years."""
    stuck = firm[until == NEVER]
    s.serious_due[stuck] = np.minimum(s.serious_due[stuck], day + ev.SERIOUS_AFTER_DAYS)


def _collapse(rng: np.random.Generator, pop: Population, s: State, act: np.ndarray,
              logit: np.ndarray, m: ev.Month, rec: Recorder) -> None:
    """Quasi-financial firms start a Ponzi-like ramp; at its end they collapse."""
    from features.simulate.risk import BASE

    qf = act & (pop.key == cat.QF) & (s.onset < 0)
    hazard = 0.0008 * np.exp(0.9 * (logit - BASE[pop.key]))
    start = np.flatnonzero(qf & (rng.random(pop.size) < hazard))
    s.onset[start] = m.index
    s.ramp_len[start] = rng.integers(6, 15, len(start))
    due = np.flatnonzero(act & (s.onset >= 0) & ~s.collapsed & (m.index - s.onset >= s.ramp_len))
    s.collapsed[due] = True
    day = m.first_day + rng.integers(0, m.days, len(due))
    ev.listing(rng, due, day + rng.integers(10, 40, len(due)), 5, 0.0, 1.0, rec)
    ev.penalties(rng, due, day, 70.0, 2, rec)
    s.history[due] += 2.0


def _exits(rng: np.random.Generator, pop: Population, s: State, act: np.ndarray,
           listed: np.ndarray, m: ev.Month, rec: Recorder) -> None:
    """Deregistration (注销), revocation (吊销) and moving out (迁出)."""
    base = np.where(pop.kind == cat.INDIVIDUAL, 0.0045, 0.0025) * (1 + listed)
    long_listed = (s.listed_until > m.first_day) & (s.listed_until == NEVER)
    revoke_h = np.where(s.collapsed, 0.15, np.where(long_listed, 0.02, 0.0))
    u = rng.random(pop.size)
    status = np.select([u < base, u < base + revoke_h, u < base + revoke_h + 0.0002],
                       [3, 4, 2], default=-1)
    leaving = np.flatnonzero(act & (status >= 0) & (pop.est_day < m.first_day))
    ev.change(rec, rng, leaving, m, 6, np.zeros(len(leaving)), status[leaving])
    s.alive[leaving] = False


def _changes(rng: np.random.Generator, pop: Population, reg: Register, act: np.ndarray,
             logit: np.ndarray, ramp: np.ndarray, m: ev.Month, rec: Recorder) -> None:
    """Legal-representative, address, capital, scope and shareholder changes."""
    from features.simulate.risk import BASE

    dev = np.exp(0.5 * (logit - BASE[pop.key]))
    company = act & (pop.kind != cat.INDIVIDUAL)
    hot = 1 + 8 * ramp
    u = rng.random((6, pop.size))

    who = np.flatnonzero(company & (u[0] < 0.0012 * dev * hot))
    new = reg.people(len(who))
    ev.change(rec, rng, who, m, 0, reg.rep[who], new)
    reg.rep[who] = new

    who = np.flatnonzero(act & (u[1] < 0.002 * hot))
    new = reg.addresses(len(who))
    ev.change(rec, rng, who, m, 1, reg.addr[who], new)
    reg.addr[who] = new

    early = (ramp > 0) & (ramp < 0.5)
    who = np.flatnonzero(company & (u[2] < 0.0015 * (1 + 6 * early)))
    new = np.round(reg.capital[who] * rng.uniform(1.2, 5.0, len(who)), 1)
    ev.change(rec, rng, who, m, 2, reg.capital[who], new)
    reg.capital[who] = new

    late = ramp >= 0.5
    who = np.flatnonzero(company & (u[3] < 0.0004 * dev * (1 + 15 * late)))
    new = np.maximum(np.round(reg.capital[who] * rng.uniform(0.05, 0.6, len(who)), 1), 0.1)
    ev.change(rec, rng, who, m, 3, reg.capital[who], new)
    reg.capital[who] = new

    who = np.flatnonzero(act & (u[4] < 0.002))
    new = (reg.scope[who] + 1 + rng.integers(0, 3, len(who))) % len(cat.SCOPES)
    ev.change(rec, rng, who, m, 4, reg.scope[who], new)
    reg.scope[who] = new

    who = np.flatnonzero(company & (u[5] < 0.0025 * hot))
    ev.change(rec, rng, who, m, 5, reg.people(len(who)), reg.people(len(who)))
