"""Abnormal registration and abnormal changes (异常注册, 异常变更): many firms at one address
in a short window (集群注册), one legal representative of many new firms, a new firm tied by its
legal representative or address to an earlier bad firm (冒用身份, phoenix firms), and repeated
changes of legal representative, address or business scope."""

from __future__ import annotations

import re

import pandas as pd

from features.industries import default_config, industry_of
from features.triggers.config import (
    ClusterRegistration,
    OneRepManyFirms,
    PhoenixFirm,
    QuasiFinancialScope,
    RepeatedChanges,
)
from features.triggers.evidence import evidence, firings, known_within

GONE = ("注销", "吊销", "撤销")  # deregistered, licence revoked, registration cancelled
CHANGE_ZH = {"legal_rep": "法定代表人变更", "address": "住所变更", "scope": "经营范围变更"}


def new_firms(registrations: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """Firms established in the `days` before `as_of` that the bureau knew of by then."""
    reg = registrations.loc[registrations["known_at"] < as_of]
    since = as_of - pd.Timedelta(days=days)
    return reg.loc[(reg["established_on"] >= since) & (reg["established_on"] < as_of)]


def _many_new(registrations: pd.DataFrame, as_of: pd.Timestamp, key: str, days: int,
              least: int) -> pd.DataFrame:
    """New firms sharing `key` with at least `least` new firms, paired with every member of
    their group: columns uscc, member, established_on, name, group, size."""
    new = new_firms(registrations, as_of, days)
    new = new.loc[new[key].notna() & (new[key].astype(str).str.strip() != "")]
    new = new.assign(size=new.groupby(key)["uscc"].transform("size"))
    group = new.loc[new["size"] >= least]
    members = group[[key, "uscc", "established_on", "name"]].rename(columns={"uscc": "member"})
    pairs = group[["uscc", key, "size"]].merge(members, on=key)
    return pairs.rename(columns={key: "group"})


def _group_firings(rule: str, pairs: pd.DataFrame, zh: str, en: str) -> pd.DataFrame:
    rows = evidence(pairs["uscc"], pairs["established_on"], "registrations", pairs["member"],
                    "设立：" + pairs["name"].astype(str), pairs["member"])
    heads = pairs.drop_duplicates("uscc").set_index("uscc")
    texts = pd.DataFrame({"text_zh": [zh.format(n=n, g=g) for n, g in
                                      zip(heads["size"], heads["group"], strict=True)],
                          "text_en": [en.format(n=n, g=g) for n, g in
                                      zip(heads["size"], heads["group"], strict=True)]},
                         index=heads.index)
    return firings(rule, rows, texts)


def cluster_registration(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                         rule: ClusterRegistration) -> pd.DataFrame:
    pairs = _many_new(tables["registrations"], as_of, "address", rule.window_days,
                      rule.min_firms)
    w = rule.window_days
    return _group_firings("cluster_registration", pairs,
                          f"{w}天内{{n}}家企业登记于同一地址“{{g}}”",
                          f"{{n}} firms registered at one address ({{g}}) within {w} days")


def one_rep_many_firms(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                       rule: OneRepManyFirms) -> pd.DataFrame:
    pairs = _many_new(tables["registrations"], as_of, "legal_rep_id", rule.window_days,
                      rule.min_firms)
    w = rule.window_days
    # the person is named by a pseudonymous id only: never the name in a warning
    return _group_firings("one_rep_many_firms", pairs,
                          f"同一法定代表人{w}天内新设{{n}}家企业",
                          f"one legal representative of {{n}} firms set up within {w} days")


def bad_events(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, days: int,
               listing_reasons: list[str]) -> pd.DataFrame:
    """Penalties, abnormal or serious-violation listings for these reasons, and deregistrations
    of quasi-financial firms known in the `days` before `as_of`, as evidence rows of their firm."""
    pen = known_within(tables["penalties"], as_of, days)
    lst = known_within(tables["abnormal_list"], as_of, days)
    lst = lst.loc[lst["reason"].isin(listing_reasons)]
    reg = tables["registrations"]
    gone = known_within(tables["registration_changes"], as_of, days)
    gone = gone.loc[(gone["change_type"] == "status") & gone["new_value"].isin(GONE)]
    quasi = reg.loc[industry_of(reg["industry_code"], default_config()) == "quasi_financial",
                    "uscc"]
    gone = gone.loc[gone["uscc"].isin(quasi)]
    return pd.concat([
        evidence(pen["uscc"], pen["decided_on"], "penalties", pen["decision_no"],
                 "行政处罚：" + pen["violation_type"].astype(str)),
        evidence(lst["uscc"], lst["listed_on"], "abnormal_list", lst["record_id"],
                 "列入" + lst["list_type"].map({"abnormal": "经营异常名录",
                                                "serious_violation": "严重违法失信名单"})),
        evidence(gone["uscc"], gone["changed_on"], "registration_changes", gone["change_id"],
                 "类金融企业" + gone["new_value"].astype(str)),
    ], ignore_index=True)


def phoenix_firm(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                 rule: PhoenixFirm) -> pd.DataFrame:
    """New firms whose legal representative or address is another firm's that was penalised,
    listed or (quasi-financial) deregistered in the lookback. An address ties only where few
    firms registered, a person only where they represent few firms (not an agent or nominee
    heading hundreds, which `one_rep_many_firms` watches)."""
    reg = tables["registrations"]
    known = reg.loc[reg["known_at"] < as_of]
    ties = {}
    for key, most in (("address", rule.max_firms_at_address),
                      ("legal_rep_id", rule.max_firms_of_rep)):
        count = known[key].value_counts()
        ties[key] = reg[key].where(~reg[key].isin(count.index[count > most]))
    reg = reg.assign(**ties)
    bad = bad_events(tables, as_of, rule.lookback_days, rule.listing_reasons)
    owners = reg.loc[reg["uscc"].isin(bad["uscc"]), ["uscc", "legal_rep_id", "address"]]
    bad = bad.merge(owners.rename(columns={"uscc": "of_firm"}), left_on="uscc",
                    right_on="of_firm").drop(columns="uscc")
    new = new_firms(reg, as_of, rule.window_days)[["uscc", "legal_rep_id", "address"]]
    links = []
    for key, zh in (("legal_rep_id", "同一法定代表人"), ("address", "同一地址")):
        linked = new.loc[new[key].notna(), ["uscc", key]].merge(
            bad.loc[bad[key].notna()].drop(columns=[k for k in ("legal_rep_id", "address")
                                                    if k != key]), on=key)
        links.append(linked.assign(link=zh).drop(columns=key))
    linked = pd.concat(links, ignore_index=True)
    linked = linked.loc[linked["uscc"] != linked["of_firm"]]
    rows = evidence(linked["uscc"], linked["date"], linked["table"], linked["id"],
                    linked["link"] + "的企业" + linked["what"], linked["of_firm"])
    earlier = linked.groupby("uscc")["of_firm"].nunique()
    texts = pd.DataFrame({
        "text_zh": [f"新设企业的法定代表人或地址与{n}家曾受处罚、列入名录或注销（类金融）"
                    "的企业相同" for n in earlier],
        "text_en": [f"a new firm sharing its legal representative or address with {n} firm(s) "
                    "penalised, listed or deregistered (quasi-financial) before" for n in earlier],
    }, index=earlier.index)
    return firings("phoenix_firm", rows, texts)


def repeated_changes(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                     rule: RepeatedChanges) -> pd.DataFrame:
    ch = known_within(tables["registration_changes"], as_of, rule.window_days)
    ch = ch.loc[ch["change_type"].isin(rule.change_types)]
    count = ch.groupby("uscc").size()
    fire = count.loc[count >= rule.min_changes]
    shown = ch.loc[ch["uscc"].isin(fire.index)]
    rows = evidence(shown["uscc"], shown["changed_on"], "registration_changes",
                    shown["change_id"], shown["change_type"].map(CHANGE_ZH).fillna(
                        shown["change_type"]))
    w = rule.window_days
    texts = pd.DataFrame({"text_zh": [f"{w}天内变更法定代表人、住所或经营范围{n}次" for n in fire],
                          "text_en": [f"{n} changes of legal representative, address or scope "
                                      f"in {w} days" for n in fire]}, index=fire.index)
    return firings("repeated_changes", rows, texts)


def quasi_financial_scope(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                          rule: QuasiFinancialScope) -> pd.DataFrame:
    """A business scope changed to include quasi-financial activity (a keyword the old scope
    lacked) by a firm penalised in the lookback before the change."""
    ch = known_within(tables["registration_changes"], as_of, rule.window_days)
    ch = ch.loc[ch["change_type"] == "scope"]
    pattern = "|".join(map(re.escape, rule.keywords))
    added = (ch["new_value"].fillna("").str.contains(pattern)
             & ~ch["old_value"].fillna("").str.contains(pattern))
    ch = ch.loc[added, ["uscc", "change_id", "changed_on", "new_value"]]
    pen = tables["penalties"]
    pen = pen.loc[pen["known_at"] < as_of, ["uscc", "decision_no", "decided_on",
                                             "violation_type"]]
    pairs = ch.merge(pen, on="uscc")
    since = pairs["changed_on"] - pd.Timedelta(days=rule.lookback_days)
    pairs = pairs.loc[(pairs["decided_on"] < pairs["changed_on"]) & (pairs["decided_on"] >= since)]
    rows = pd.concat([
        evidence(pairs["uscc"], pairs["changed_on"], "registration_changes", pairs["change_id"],
                 "经营范围变更为：" + pairs["new_value"].astype(str)),
        evidence(pairs["uscc"], pairs["decided_on"], "penalties", pairs["decision_no"],
                 "行政处罚：" + pairs["violation_type"].astype(str)),
    ], ignore_index=True)
    count = pairs.groupby("uscc")["decision_no"].nunique()
    texts = pd.DataFrame({
        "text_zh": [f"受行政处罚{n}次后经营范围新增类金融业务" for n in count],
        "text_en": [f"a quasi-financial business scope added after {n} penalt"
                    f"{'y' if n == 1 else 'ies'}" for n in count]}, index=count.index)
    return firings("quasi_financial_scope", rows, texts)
