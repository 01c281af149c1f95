"""Turn the generated population and events into the seven source tables (pyarrow Tables)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.contracts import CHANGE_TYPES, LIST_REASONS, OUTCOMES, STATUSES
from features.simulate import catalog as cat
from features.simulate.market import Register
from features.simulate.naming import (
    _join,
    _pick,
    addresses,
    firm_names,
    ids,
    person_ids,
    person_names,
    reg_numbers,
)
from features.simulate.population import EPOCH, Population
from features.towns import TOWN_CODES, TOWN_NAMES

NEVER = np.iinfo(np.int64).max


@dataclass
class Firms:
    """Strings every table refers to, built once."""

    uscc: pa.Array
    name: pa.Array
    people: pa.Array
    people_ids: pa.Array
    address: pa.Array


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.date32())


def _town_codes(town: np.ndarray) -> pa.Array:
    return _pick(TOWN_CODES, town.astype(np.int64))


def firm_strings(rng: np.random.Generator, pop: Population, reg: Register, codes: np.ndarray,
                 changes: dict[str, np.ndarray], seed: int) -> Firms:
    addr_town = np.zeros(reg.next_addr, dtype=np.int64)
    shared = pop.n_addresses - pop.size
    addr_town[pop.addr] = pop.town
    moved = changes["kind"] == 1
    addr_town[changes["new"][moved].astype(np.int64)] = pop.town[changes["firm"][moved]]
    return Firms(
        uscc=pa.array(codes, type=pa.string()),
        name=firm_names(rng, pop),
        people=person_names(rng, reg.next_person),
        people_ids=person_ids(reg.next_person, seed),
        address=addresses(rng, addr_town, shared),
    )


def registrations(rng: np.random.Generator, pop: Population, reg: Register, f: Firms,
                  changes: dict[str, np.ndarray], seed: int) -> pa.Table:
    status = np.zeros(pop.size, dtype=np.int64)
    exits = changes["kind"] == 6
    status[changes["firm"][exits]] = changes["new"][exits].astype(np.int64)
    parent = np.where(pop.parent >= 0, pop.parent, 0)
    return pa.table({
        "uscc": f.uscc,
        "reg_no": reg_numbers(rng, pop, seed),
        "parent_uscc": pc.if_else(pa.array(pop.parent >= 0), f.uscc.take(pa.array(parent)),
                                  pa.scalar(None, pa.string())),
        "name": f.name,
        "entity_type": _pick(tuple(k[0] for k in cat.KINDS), pop.kind.astype(np.int64)),
        "industry_code": _pick(tuple(c[1] for c in cat.CATALOG), pop.catalog_row.astype(np.int64)),
        "business_scope": _pick(cat.SCOPES, reg.scope),
        "registered_capital": pa.array(reg.capital),
        "established_on": dates(pop.est_day),
        "status": _pick(STATUSES, status),
        "town_code": _town_codes(pop.town),
        "address": f.address.take(pa.array(reg.addr)),
        "legal_rep_name": f.people.take(pa.array(reg.rep)),
        "legal_rep_id": f.people_ids.take(pa.array(reg.rep)),
        "known_at": dates(pop.est_day),
    })


def _change_values(kind: np.ndarray, value: np.ndarray, f: Firms) -> pa.Array:
    ref = np.where(np.isin(kind, (0, 1, 4, 5, 6)), value, 0).astype(np.int64)

    def within(size: int) -> np.ndarray:  # each list is indexed only by its own kind's rows
        return np.minimum(ref, size - 1)

    capital = pc.cast(pa.array(np.round(value, 1)), pa.string())
    options = [
        (0, f.people_ids.take(pa.array(within(len(f.people_ids))))),
        (5, f.people.take(pa.array(within(len(f.people))))),
        (1, f.address.take(pa.array(within(len(f.address))))),
        (2, capital), (3, capital),
        (4, _pick(cat.SCOPES, within(len(cat.SCOPES)))),
        (6, _pick(STATUSES, within(len(STATUSES)))),
    ]
    out = pa.nulls(len(kind), pa.string())
    for code, values in options:
        out = pc.if_else(pa.array(kind == code), values, out)
    return out


Window = tuple[int, int]  # first day recorded, day after the last


def registration_changes(c: dict[str, np.ndarray], f: Firms, window: Window) -> pa.Table:
    keep = (c["known"] >= window[0]) & (c["known"] < window[1])
    c = {k: v[keep] for k, v in c.items()}
    kind = c["kind"].astype(np.int64)
    return pa.table({
        "change_id": ids("C", np.arange(1, len(kind) + 1), 9),
        "uscc": f.uscc.take(pa.array(c["firm"])),
        "change_type": _pick(CHANGE_TYPES, kind),
        "old_value": _change_values(kind, np.where(kind == 6, 0, c["old"]), f),
        "new_value": _change_values(kind, c["new"], f),
        "changed_on": dates(c["day"]),
        "known_at": dates(c["known"]),
    })


def penalties(p: dict[str, np.ndarray], pop: Population, f: Firms, window: Window
              ) -> pa.Table:
    keep = (p["published"] >= window[0]) & (p["published"] < window[1])
    p = {k: v[keep] for k, v in p.items()}
    n = len(p["firm"])
    key = pop.key[p["firm"]].astype(np.int64)
    u = p["u"]
    kinds = np.select([p["source"] == 2, u[:, 0] < 0.15, u[:, 0] < 0.8],
                      ["罚款|没收违法所得|吊销许可证件", "警告", "罚款"], "罚款|没收违法所得")
    fine = np.where(kinds == "警告", np.nan, np.round(np.exp(1.0 + 1.2 * u[:, 1] * 3) / 10, 2))
    confiscated = np.where(np.char.find(kinds.astype(str), "没收") >= 0,
                           np.round(np.exp(3 * u[:, 2]), 2), np.nan)
    year = (EPOCH + p["decided"].astype("timedelta64[D]")).astype("datetime64[Y]").astype(int)
    year_text = pc.cast(pa.array(year + 1970), pa.string())
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 6, "0")
    town = pop.town[p["firm"]].astype(np.int64)
    return pa.table({
        "decision_no": _join("东市监罚〔", year_text, "〕", seq, "号"),
        "uscc": f.uscc.take(pa.array(p["firm"])),
        "party_name": f.name.take(pa.array(p["firm"])),
        "violation_type": _pick(cat.VIOLATION_TYPES, key),
        "legal_basis": _pick(cat.LEGAL_BASES, key),
        "penalty_kinds": pa.array(kinds.astype(object), type=pa.string()),
        "fine": pa.array(fine),
        "confiscated": pa.array(confiscated),
        "authority": _join("东莞市市场监督管理局",
                           _pick(tuple(TOWN_NAMES.values()), town), "分局"),
        "violation_on": dates(p["violated"]),
        "decided_on": dates(p["decided"]),
        "published_on": dates(p["published"]),
        "known_at": dates(p["published"]),
    })


def inspections(r: dict[str, np.ndarray], f: Firms, inspector_ids: pa.Array,
                window: Window) -> pa.Table:
    keep = (r["day"] >= window[0]) & (r["day"] < window[1])
    r = {k: v[keep] for k, v in r.items()}
    random = ~np.isnan(r["prob"])
    return pa.table({
        "inspection_id": ids("X", np.arange(1, len(r["firm"]) + 1), 9),
        "uscc": f.uscc.take(pa.array(r["firm"])),
        "kind": pa.array(np.where(random, "random", "targeted").astype(object), pa.string()),
        "inspected_on": dates(r["day"]),
        "inspector_ids": _join(inspector_ids.take(pa.array(r["a"])), "|",
                               inspector_ids.take(pa.array(r["b"]))),
        "outcome": _pick(OUTCOMES, r["outcome"].astype(np.int64)),
        "inclusion_prob": pa.array(np.where(random, r["prob"], np.nan), from_pandas=True),
        "known_at": dates(r["day"]),
    })


def abnormal_list(r: dict[str, np.ndarray], f: Firms, window: Window) -> pa.Table:
    """Entries listed in the window, and earlier ones still open when the window starts."""
    end_day = window[1]
    keep = (r["day"] < end_day) & ((r["day"] >= window[0]) | (r["until"] >= window[0]))
    r = {k: v[keep] for k, v in r.items()}
    reason = r["reason"].astype(np.int64)
    removed = (r["until"] < end_day)
    return pa.table({
        "record_id": ids("L", np.arange(1, len(reason) + 1), 9),
        "uscc": f.uscc.take(pa.array(r["firm"])),
        "list_type": _pick(("abnormal", "serious_violation"), (reason >= 4).astype(np.int64)),
        "reason": _pick(LIST_REASONS, reason),
        "listed_on": dates(r["day"]),
        "removed_on": pa.array(np.where(removed, r["until"], 0).astype(np.int32),
                               type=pa.date32(), mask=~removed),
        "known_at": dates(r["day"]),
    })

