"""The entities of a Dongguan-like market, drawn in bulk as NumPy arrays.

Each entity gets a kind, an industry, a town, an establishment date, capital, a legal
representative (some people represent many firms) and an address (some addresses host many
firms), plus the hidden parts of its risk that no source shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.simulate import catalog as cat
from features.towns import towns

EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Population:
    """Column arrays, one entry per entity, ordered by establishment date."""

    kind: np.ndarray          # int8 index into catalog.KINDS
    key: np.ndarray           # int8 index into catalog.KEYS
    catalog_row: np.ndarray   # int16 index into catalog.CATALOG
    town: np.ndarray          # int8 index into towns()
    est_day: np.ndarray       # int32 days since 1970-01-01
    capital: np.ndarray       # float64 万元 at establishment
    rep: np.ndarray           # int32 person id
    shared_rep: np.ndarray    # bool: the person represents several firms
    addr: np.ndarray          # int32 address id
    cluster: np.ndarray       # bool: a cluster-registration address
    parent: np.ndarray        # int32 index of the parent for branches, else -1
    hidden: np.ndarray        # float64 static risk logit no source shows
    visible: np.ndarray       # float64 static risk logit of sub-industry and town
    n_people: int
    n_addresses: int

    @property
    def size(self) -> int:
        return len(self.kind)


def _kinds(rng: np.random.Generator, n: int) -> np.ndarray:
    shares = np.array([k[1] for k in cat.KINDS])
    return rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)


def _industries(rng: np.random.Generator, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mix = np.tile(np.array(cat.INDUSTRY_MIX_COMPANY), (len(kind), 1))
    mix[kind == cat.INDIVIDUAL] = cat.INDUSTRY_MIX_INDIVIDUAL
    mix[kind == 4] = cat.INDUSTRY_MIX_PARTNERSHIP  # 合伙企业: many private-fund partnerships
    cum = np.cumsum(mix, axis=1)
    u = rng.random(len(kind))[:, None]
    key = (u >= cum).sum(axis=1).astype(np.int8)  # 0..3, 3 = other
    rows = np.empty(len(kind), dtype=np.int16)
    table = np.array([c[0] for c in cat.CATALOG])
    weights = np.array([c[3] for c in cat.CATALOG])
    for k in range(len(cat.KEYS)):  # four industry keys, each a vectorised draw
        idx = np.flatnonzero(table == k)
        hit = key == k
        rows[hit] = rng.choice(idx, size=int(hit.sum()), p=weights[idx] / weights[idx].sum())
    return key, rows


def _establishment(
    rng: np.random.Generator, kind: np.ndarray, key: np.ndarray, start: int, end: int,
    growth: float,
) -> np.ndarray:
    n = len(kind)
    years = (end - start) / 365.25
    entrant = rng.random(n) < growth * years / (1 + growth * years)
    mean_age = np.where(kind == cat.INDIVIDUAL, 4.5, 7.0)
    mean_age = np.where(key == cat.QF, 4.0, mean_age)
    age_days = np.minimum(rng.exponential(mean_age * 365.25), 30 * 365.25)
    day = np.where(entrant, rng.integers(start, end, size=n), start - 1 - age_days.astype(int))
    return day.astype(np.int32)


def _capital(rng: np.random.Generator, kind: np.ndarray, key: np.ndarray) -> np.ndarray:
    mu = np.log(np.select([key == cat.QF, kind == cat.INDIVIDUAL], [1000.0, 5.0], 100.0))
    raw = np.exp(rng.normal(mu, 1.1))
    return np.round(np.clip(raw, 0.1, 1e6), 1)


def _shared(rng: np.random.Generator, n: int, p_shared: np.ndarray, pool: int,
            zipf: float) -> np.ndarray:
    """Ids where a share of rows (p_shared) draw from a small, heavy-tailed pool of ids."""
    ids = np.arange(n, dtype=np.int32) + pool
    shared = rng.random(n) < p_shared
    weights = 1.0 / np.arange(1, pool + 1) ** zipf
    ids[shared] = rng.choice(pool, size=int(shared.sum()), p=weights / weights.sum())
    return ids


def draw_population(rng: np.random.Generator, n: int, start: int, end: int) -> Population:
    """`n` entities established up to `end` (days since 1970), stock and entrants."""
    kind = _kinds(rng, n)
    key, catalog_row = _industries(rng, kind)
    weights = towns()["weight"].to_numpy()
    town = rng.choice(len(weights), size=n, p=weights).astype(np.int8)
    est_day = _establishment(rng, kind, key, start, end, growth=0.07)
    capital = _capital(rng, kind, key)

    qf = key == cat.QF
    rep_pool = max(n // 60, 5)
    rep = _shared(rng, n, np.where(qf, 0.45, np.where(kind == cat.INDIVIDUAL, 0.03, 0.12)),
                  rep_pool, zipf=0.8)
    addr_pool = max(n // 300, 5)
    addr = _shared(rng, n, np.where(qf, 0.40, np.where(key == cat.ECOM, 0.25, 0.04)),
                   addr_pool, zipf=0.7)
    shared_rep = rep < rep_pool
    cluster = addr < addr_pool
    cluster_town = rng.choice(len(weights), size=addr_pool, p=weights).astype(np.int8)
    town[cluster] = cluster_town[addr[cluster]]  # firms at one address share its town
    rep_effect = rng.normal(0.3, 0.6, rep_pool)
    addr_effect = rng.normal(0.4, 0.5, addr_pool)
    hidden = rng.normal(0.0, 0.5, n)
    visible = (rng.normal(0.0, 0.45, len(cat.CATALOG))[catalog_row]
               + rng.normal(0.0, 0.25, len(weights))[town])
    hidden += np.where(shared_rep, rep_effect[np.minimum(rep, rep_pool - 1)], 0.0)
    hidden += np.where(cluster, addr_effect[np.minimum(addr, addr_pool - 1)], 0.0)

    order = np.argsort(est_day, kind="stable")
    parent = np.full(n, -1, dtype=np.int32)
    pop = Population(
        kind=kind[order], key=key[order], catalog_row=catalog_row[order], town=town[order],
        est_day=est_day[order], capital=capital[order], rep=rep[order],
        shared_rep=shared_rep[order], addr=addr[order], cluster=cluster[order], parent=parent,
        hidden=hidden[order], visible=visible[order], n_people=rep_pool + n,
        n_addresses=addr_pool + n,
    )
    _assign_parents(rng, pop)
    return pop


def _assign_parents(rng: np.random.Generator, pop: Population) -> None:
    """Branches get an earlier-established company of the same industry key as parent."""
    companies = np.flatnonzero(np.isin(pop.kind, (1, 2)))
    branches = np.flatnonzero(pop.kind == cat.BRANCH)
    if len(companies) == 0 or len(branches) == 0:
        pop.kind[branches] = 1
        return
    # an earlier company: draw among those established before the branch (sorted by date)
    limit = np.searchsorted(companies, branches)
    has = limit > 0
    pick = (rng.random(len(branches)) * np.maximum(limit, 1)).astype(np.int64)
    pop.parent[branches[has]] = companies[pick[has]]
    pop.kind[branches[~has]] = 1  # no earlier company to belong to: a company itself
