"""The early-warning triggers' patterns, planted in the generated tables at a low rate so that a
test and `riskwarn evaluate --oracle` know which firms carry each: a complaint surge, a cluster
registration (集群注册), one person the legal representative of many new firms, a phoenix firm,
repeated changes and a quasi-financial scope added after a penalty.

Rows are only added (to an existing firm's complaints, changes and penalties, or as new firms),
never altered, except the business scope of a firm whose scope the plant changed; they come
from a random stream of their own, so every other row of the world stays as it was. Each
planted firm is a row of `planted` (uscc, pattern, complete_on: the first day on which all of
its events are known), written with the hidden truth.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import complete_codes
from features.industries import industry_of
from features.simulate import catalog as cat
from features.simulate.population import EPOCH
from features.towns import TOWN_NAMES

PATTERNS = ("complaint_surge", "cluster_registration", "one_rep_many_firms", "phoenix_firm",
            "repeated_changes", "quasi_financial_scope")
PER_ENTITIES = 20_000  # one instance of each pattern per this many entities, at least one
GROUP = 6  # firms of one cluster registration, or of one person
SURGE = 8  # complaints of one surge, in the 4 weeks before it is complete
BAD_REASONS = ("false_info", "unreachable", "abnormal_3y", "serious_violation")
QUASI = cat.SCOPES[2]  # 投资咨询；资产管理…
PLANTED_SCHEMA = pa.schema([("uscc", pa.string()), ("pattern", pa.string()),
                            ("complete_on", pa.date32())])


def _day(d: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(d))


def _append(table: pa.Table, rows: list[dict[str, object]]) -> pa.Table:
    if not rows:
        return table
    return pa.concat_tables([table, pa.Table.from_pylist(rows, schema=table.schema)])


class Planter:
    """Holds the tables while the patterns are added; `planted` lists the firms."""

    def __init__(self, tables: dict[str, pa.Table], seed: int, window: tuple[int, int]):
        self.tables = dict(tables)
        self.rng = np.random.default_rng([seed, 18])  # a stream of its own
        self.first, self.end = window
        self.planted: list[dict[str, object]] = []
        self.rows: dict[str, list[dict[str, object]]] = {  # added at the end
            name: [] for name in ("registrations", "registration_changes", "complaints",
                                  "penalties")}
        self.scope: dict[str, str] = {}  # business scopes the plants changed
        reg = tables["registrations"].select(
            ["uscc", "name", "entity_type", "industry_code", "business_scope",
             "established_on", "status", "town_code", "legal_rep_id", "legal_rep_name"]
        ).to_pandas()
        self.reg = reg.assign(industry=industry_of(reg["industry_code"]).to_numpy())
        self.companies = reg.loc[reg["entity_type"] == "有限责任公司"]
        self.used_codes = set(reg["uscc"])
        self.used_people = set(reg["legal_rep_id"].dropna())
        self.counts = {name: tables[name].num_rows for name in
                       ("registration_changes", "complaints", "penalties")}

    def complete_days(self, k: int) -> np.ndarray:
        """Days the patterns are complete: in the later half of the window."""
        return self.rng.integers(self.first + (self.end - self.first) // 2, self.end - 1, k)

    def mark(self, uscc: str, pattern: str, day: int) -> None:
        self.planted.append({"uscc": uscc, "pattern": pattern, "complete_on": _day(day + 1)})

    def old_companies(self, k: int, before: int) -> pd.DataFrame:
        """`k` companies in business, established two years before `before`, at random."""
        reg = self.reg
        est = (pd.to_datetime(reg["established_on"]) - pd.Timestamp(EPOCH)).dt.days
        pool = reg.loc[(reg["status"] == "存续") & (reg["entity_type"] == "有限责任公司")
                       & (est < before - 730) & ~reg["uscc"].isin(list(self.scope))]
        take = self.rng.choice(len(pool), size=min(k, len(pool)), replace=False)
        return pool.iloc[np.sort(take)]

    def code(self) -> str:
        while True:
            body = "91441900MA" + "".join(self.rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"),
                                                          6))
            found = str(complete_codes(np.array([list(body.encode())], dtype=np.uint8))[0])
            if found not in self.used_codes:
                self.used_codes.add(found)
                return found

    def person(self) -> tuple[str, str]:
        """A new person's id and name."""
        while True:
            ident = f"P{int(self.rng.integers(0, 10**10)):010d}"
            if ident not in self.used_people:
                self.used_people.add(ident)
                given = "".join(self.rng.choice(list(cat.GIVEN_CHARS), 2))
                return ident, str(self.rng.choice(list(cat.SURNAMES))) + given

    def address(self, town: str) -> str:
        road = str(self.rng.choice(list(cat.ROADS)))
        return f"东莞市{TOWN_NAMES[town]}{road}{int(self.rng.integers(1000, 1999))}号"

    def firm(self, day: int, town: str, address: str, rep: tuple[str, str]) -> str:
        """A new company registered on `day`, like a random company of the register."""
        like = self.companies.iloc[int(self.rng.integers(0, len(self.companies)))]
        uscc = self.code()
        brand = "".join(self.rng.choice(list(cat.BRAND_CHARS), 3))
        self.rows["registrations"].append({
            "uscc": uscc, "reg_no": None, "parent_uscc": None, "name": f"东莞市{brand}有限公司",
            "entity_type": "有限责任公司", "industry_code": like["industry_code"],
            "business_scope": like["business_scope"], "registered_capital": float(
                np.round(np.exp(self.rng.normal(np.log(100.0), 1.0)), 1)),
            "established_on": _day(day), "status": "存续", "town_code": town,
            "address": address, "legal_rep_name": rep[1], "legal_rep_id": rep[0],
            "known_at": _day(day)})
        return uscc

    def change(self, uscc: str, day: int, kind: str, old: str, new: str) -> None:
        self.counts["registration_changes"] += 1
        self.rows["registration_changes"].append({
            "change_id": f"C{self.counts['registration_changes']:09d}", "uscc": uscc,
            "change_type": kind, "old_value": old, "new_value": new, "changed_on": _day(day),
            "known_at": _day(min(day + 3, self.end - 1))})

    def penalty(self, firm: pd.Series, decided: int) -> None:
        self.counts["penalties"] += 1
        key = cat.KEYS.index(str(firm["industry"]))
        self.rows["penalties"].append({
            "decision_no": f"东市监罚〔{_day(decided).year}〕{self.counts['penalties']:06d}号",
            "uscc": firm["uscc"], "party_name": firm["name"],
            "violation_type": cat.VIOLATION_TYPES[key], "legal_basis": cat.LEGAL_BASES[key],
            "penalty_kinds": "罚款", "fine": 2.0, "confiscated": None,
            "authority": f"东莞市市场监督管理局{TOWN_NAMES[firm['town_code']]}分局",
            "violation_on": _day(decided - 60), "decided_on": _day(decided),
            "published_on": _day(decided + 12), "known_at": _day(decided + 12)})

    def complaint(self, firm: pd.Series, at: np.datetime64) -> None:
        self.counts["complaints"] += 1
        key = cat.KEYS.index(str(firm["industry"]))
        day = int((at.astype("datetime64[D]") - EPOCH).astype(int))
        town = str(firm["town_code"])
        self.rows["complaints"].append({
            "order_id": f"GD{self.counts['complaints']:010d}", "received_at": at.item(),
            "channel": "网站", "kind": "投诉", "uscc": firm["uscc"],
            "subject_name": firm["name"], "town_code": town,
            "category": str(self.rng.choice(list(cat.COMPLAINT_CATEGORIES[key]))),
            "handling_unit": f"{TOWN_NAMES[town]}市场监督管理分局",
            "closed_on": _day(day + 7) if day + 7 < self.end else None,
            "substantiated": True, "satisfaction": None, "known_at": _day(day)})

    def finish(self) -> tuple[dict[str, pa.Table], pa.Table]:
        """The tables with the planted rows, and the planted firms."""
        reg = self.tables["registrations"]
        if self.scope:
            where = pc.index_in(reg["uscc"], value_set=pa.array(list(self.scope)))
            new = pa.array(list(self.scope.values()), pa.string()).take(where)
            column = reg.schema.get_field_index("business_scope")
            reg = reg.set_column(column, "business_scope",
                                 pc.coalesce(new, reg["business_scope"]))
        self.tables["registrations"] = reg
        for name, rows in self.rows.items():
            self.tables[name] = _append(self.tables[name], rows)
        return self.tables, pa.Table.from_pylist(self.planted, schema=PLANTED_SCHEMA)


def complaint_surge(p: Planter, k: int) -> None:
    """A company with no complaints gets SURGE in the four weeks before the day."""
    pool = p.old_companies(3 * k, p.first)
    pool = pool.loc[~pool["uscc"].isin(p.tables["complaints"]["uscc"].drop_null().to_pylist())]
    for done, (_, firm) in zip(p.complete_days(k), pool.iterrows(), strict=False):
        days = done - np.sort(p.rng.choice(28, SURGE, replace=False))
        seconds = p.rng.integers(8 * 3600, 22 * 3600, SURGE)
        for d, s in zip(days, seconds, strict=True):
            p.complaint(firm, EPOCH + np.timedelta64(int(d), "D") + np.timedelta64(int(s), "s"))
        p.mark(firm["uscc"], "complaint_surge", int(days.max()))


def _group(p: Planter, k: int, pattern: str) -> None:
    """GROUP new firms within 75 days, at one new address each with its own representative
    (cluster_registration), or each at its own address with one new representative."""
    towns = sorted(TOWN_NAMES)
    for done in p.complete_days(k):
        town = str(p.rng.choice(towns))
        days = done - np.sort(p.rng.choice(75, GROUP, replace=False))[::-1]
        address, rep = p.address(town), p.person()
        for day in days:
            firm = (p.firm(int(day), town, address, p.person())
                    if pattern == "cluster_registration"
                    else p.firm(int(day), town, p.address(town), rep))
            p.mark(firm, pattern, int(days.max()))


def phoenix_firm(p: Planter, k: int) -> None:
    """A new firm whose representative (of no other firm) is that of a firm penalised or
    listed for misconduct 30 to 365 days before."""
    pen = p.tables["penalties"].select(["uscc", "known_at"]).to_pandas()
    lst = p.tables["abnormal_list"].select(["uscc", "reason", "known_at"]).to_pandas()
    bad = pd.concat([pen, lst.loc[lst["reason"].isin(BAD_REASONS), ["uscc", "known_at"]]])
    bad = bad.assign(day=(pd.to_datetime(bad["known_at"]) - pd.Timestamp(EPOCH)).dt.days)
    reps = p.reg["legal_rep_id"].value_counts()
    owner = p.reg.loc[p.reg["legal_rep_id"].map(reps) == 1].set_index("uscc")
    bad = bad.loc[bad["uscc"].isin(owner.index)]
    for done in p.complete_days(k):
        fits = bad.loc[bad["day"].between(done - 365, done - 30)]
        if fits.empty:
            continue
        earlier = owner.loc[fits["uscc"].iloc[int(p.rng.integers(0, len(fits)))]]
        town = str(earlier["town_code"])
        firm = p.firm(int(done), town, p.address(town),
                      (str(earlier["legal_rep_id"]), str(earlier["legal_rep_name"])))
        p.mark(firm, "phoenix_firm", int(done))


def repeated_changes(p: Planter, k: int) -> None:
    """Three scope changes within 120 days, the last back to the registered scope."""
    for done, (_, firm) in zip(p.complete_days(k), p.old_companies(k, p.first).iterrows(),
                               strict=False):
        scope = str(firm["business_scope"])
        others = [s for s in cat.SCOPES if s not in (scope, QUASI)]
        days = done - np.sort(p.rng.choice(120, 3, replace=False))[::-1]
        for day, (old, new) in zip(days, [(scope, others[0]), (others[0], others[1]),
                                          (others[1], scope)], strict=True):
            p.change(str(firm["uscc"]), int(day), "scope", old, new)
        p.scope[str(firm["uscc"])] = scope
        p.mark(str(firm["uscc"]), "repeated_changes", int(days.max()) + 3)


def quasi_financial_scope(p: Planter, k: int) -> None:
    """A penalty, then (60 to 300 days on) a quasi-financial scope added."""
    pool = p.old_companies(3 * k, p.first)
    pool = pool.loc[pool["business_scope"] != QUASI]
    for done, (_, firm) in zip(p.complete_days(k), pool.iterrows(), strict=False):
        p.penalty(firm, int(done - p.rng.integers(60, 300)))
        p.change(str(firm["uscc"]), int(done), "scope", str(firm["business_scope"]), QUASI)
        p.scope[str(firm["uscc"])] = QUASI
        p.mark(str(firm["uscc"]), "quasi_financial_scope", int(done) + 3)


def plant_patterns(tables: dict[str, pa.Table], entities: int, seed: int,
                   window: tuple[int, int]) -> tuple[dict[str, pa.Table], pa.Table]:
    """The tables with every pattern planted `entities // PER_ENTITIES` times (at least once)
    in the later half of `window` (days since 1970), and the planted firms."""
    p = Planter(tables, seed, window)
    k = max(1, entities // PER_ENTITIES)
    complaint_surge(p, k)
    _group(p, k, "cluster_registration")
    _group(p, k, "one_rep_many_firms")
    phoenix_firm(p, k)
    repeated_changes(p, k)
    quasi_financial_scope(p, k)
    return p.finish()
