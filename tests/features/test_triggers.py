"""The early-warning triggers find a planted complaint surge, cluster registration and phoenix
firm, each with the events that made it fire, from what was known before the as-of date."""

from __future__ import annotations

import pandas as pd
import pytest

from features.loading import load_sources
from features.simulate import PLANTED_FILE
from features.triggers import AREA_COLUMNS, RULES, detect, detect_areas, load_config
from features.triggers.config import PhoenixFirm, TriggerConfig
from tests.features.plant import AREA_COMPLAINTS, AS_OF, CLUSTER_ADDRESS, plant


@pytest.fixture(scope="module")
def planted(tiny):
    return plant(load_sources(tiny).tables)


@pytest.fixture(scope="module")
def fired(planted) -> pd.DataFrame:
    return detect(planted.tables, AS_OF)


def _one(fired: pd.DataFrame, uscc: str, rule: str) -> pd.Series:
    rows = fired.loc[(fired["uscc"] == uscc) & (fired["rule"] == rule)]
    assert len(rows) == 1, f"{rule} did not fire once for {uscc}"
    return rows.iloc[0]


def test_a_complaint_surge_fires_with_its_complaints(planted, fired):
    row = _one(fired, planted.surge, "complaint_surge")
    assert {e["id"] for e in row["events"]} == set(planted.surge_orders)
    assert all(e["table"] == "complaints" and e["date"] >= "2024-12-05" for e in row["events"])
    assert row["text_zh"].startswith("近30天投诉举报8件")
    assert row["latest_event_on"] == pd.Timestamp("2024-12-26")


def test_a_cluster_registration_fires_for_every_firm_at_the_address(planted, fired):
    for uscc in planted.cluster:
        row = _one(fired, uscc, "cluster_registration")
        assert {e["of"] for e in row["events"]} == set(planted.cluster)
        assert CLUSTER_ADDRESS in row["text_zh"] and "6家企业" in row["text_zh"]


def test_a_phoenix_firm_fires_with_the_earlier_firms_penalty(planted, fired):
    row = _one(fired, planted.phoenix, "phoenix_firm")
    earlier = [e for e in row["events"] if e["of"] == planted.bad_firm]
    assert earlier and all(e["table"] == "penalties" for e in earlier)
    assert all("同一法定代表人" in e["what"] for e in earlier)
    assert all(e["date"] < "2025-01-01" for e in row["events"])


def test_nothing_known_on_or_after_the_date_makes_a_rule_fire(planted):
    before = detect(planted.tables, pd.Timestamp("2024-12-01"))
    assert planted.phoenix not in set(before["uscc"])  # registered on 10 December
    surge = before.loc[before["rule"] == "complaint_surge", "uscc"]
    assert planted.surge not in set(surge)  # only 3 of the 8 complaints known by then


def test_one_firing_per_firm_and_rule_and_known_rules_only(fired):
    assert not fired.duplicated(["uscc", "rule"]).any()
    assert set(fired["rule"]) <= set(RULES)
    assert fired["events"].map(len).between(1, 20).all()


def test_thresholds_come_from_the_yaml_with_defaults(tmp_path):
    assert load_config() == TriggerConfig()  # the shipped file says what the defaults say
    path = tmp_path / "triggers.yaml"
    path.write_text("cluster_registration:\n  min_firms: 8\n", encoding="utf-8")
    config = load_config(path)
    assert config.cluster_registration.min_firms == 8 and config.phoenix_firm.window_days == 180
    path.write_text("complaint_surge:\n  alpha: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"field complaint_surge\.alpha"):
        load_config(path)


def test_a_quasi_financial_scope_added_after_a_penalty_fires_with_both(planted):
    tables = dict(planted.tables)
    changes = tables["registration_changes"]
    day = AS_OF - pd.Timedelta(days=10)
    added = pd.DataFrame([{**changes.iloc[0].to_dict(), "change_id": "PLANTSCOPE",
                           "uscc": planted.bad_firm, "change_type": "scope",
                           "old_value": "餐饮服务；食品经营", "new_value": "投资咨询；资产管理",
                           "changed_on": day, "known_at": day}])
    tables["registration_changes"] = pd.concat([changes, added.astype(changes.dtypes)],
                                               ignore_index=True)
    row = _one(detect(tables, AS_OF), planted.bad_firm, "quasi_financial_scope")
    tables_seen = {e["table"] for e in row["events"]}
    assert tables_seen == {"registration_changes", "penalties"}
    assert "PLANTSCOPE" in {e["id"] for e in row["events"]}
    assert row["text_zh"].endswith("经营范围新增类金融业务")


def test_an_area_complaint_surge_fires_for_its_town_and_industry_only(tiny, planted):
    areas = detect_areas(planted.tables, AS_OF)
    row = areas.set_index(["town_code", "industry"]).loc[(planted.area_town, "food")]
    assert row["complaints"] >= AREA_COMPLAINTS and row["complaints"] > row["upper_limit"]
    assert row["text_zh"].startswith(f"近30天该镇街本行业投诉举报{row['complaints']}件")
    assert f"价格 {AREA_COMPLAINTS}" in row["text_zh"] and row["rule"] == "area_complaint_surge"
    assert len(areas) == 1 and list(areas.columns) == list(AREA_COLUMNS)  # no other area moved
    fired = detect(planted.tables, AS_OF)
    area_firms = fired.loc[fired["rule"] == "complaint_surge", "uscc"]
    assert list(area_firms) == [planted.surge]  # no firm of the area fires on its own
    earlier = detect_areas(planted.tables, AS_OF - pd.Timedelta(days=20))
    assert earlier.empty  # 5 of the 24 reports known by then
    unplanted = detect_areas(load_sources(tiny).tables, AS_OF)
    assert unplanted.empty


def test_an_area_surge_as_high_as_the_same_weeks_a_year_before_is_a_season(planted):
    comp = planted.tables["complaints"]
    ours = comp.loc[comp["order_id"].str.startswith("AREA")]
    year = pd.Timedelta(days=365)
    last_year = ours.assign(order_id="Y" + ours["order_id"], received_at=ours["received_at"]
                            - year, known_at=ours["known_at"] - year)
    tables = {**planted.tables, "complaints": pd.concat([comp, last_year], ignore_index=True)}
    assert detect_areas(tables, AS_OF).empty  # 双11 every year is no surge
    assert len(detect_areas(tables, AS_OF - year)) == 1  # the first year it was


def test_the_generator_plants_each_pattern_and_its_rule_finds_every_planted_firm(tiny):
    planted = pd.read_parquet(tiny / PLANTED_FILE)
    assert set(planted["pattern"]) == set(RULES)  # every rule's pattern, in a tiny world too
    assert (planted.groupby("pattern").size() <= 6).all()  # a handful of firms, not a flood
    tables = load_sources(tiny).tables
    for day, firms in planted.groupby("complete_on"):
        fired = detect(tables, pd.Timestamp(day))
        found = set(zip(fired["uscc"], fired["rule"], strict=True))
        before = detect(tables, pd.Timestamp(day) - pd.Timedelta(days=130))  # not yet begun
        for uscc, pattern in zip(firms["uscc"], firms["pattern"], strict=True):
            assert (uscc, pattern) in found, (pattern, uscc, day)
            assert uscc not in set(before.loc[before["rule"] == pattern, "uscc"]), pattern


def test_a_person_heading_many_firms_ties_no_phoenix(planted):
    reg = planted.tables["registrations"]
    rep = reg.loc[reg["uscc"] == planted.bad_firm, "legal_rep_id"].iloc[0]
    others = reg.loc[reg["legal_rep_id"] != rep].index[:3]  # an agent for three more firms
    tables = {**planted.tables, "registrations": reg.assign(
        legal_rep_id=reg["legal_rep_id"].where(~reg.index.isin(others), rep))}
    fired = detect(tables, AS_OF)
    assert planted.phoenix not in set(fired.loc[fired["rule"] == "phoenix_firm", "uscc"])
    loose = TriggerConfig(phoenix_firm=PhoenixFirm(max_firms_of_rep=5))
    fired = detect(tables, AS_OF, loose)
    assert planted.phoenix in set(fired.loc[fired["rule"] == "phoenix_firm", "uscc"])
