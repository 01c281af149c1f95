import pandas as pd

from features.checks import check_table
from features.contracts import CONTRACTS, INSPECTIONS, REGISTRATIONS


def _registration(**overrides):
    row = {
        "uscc": "91441900MA4X07PQ5X", "reg_no": None, "parent_uscc": None,
        "name": "东莞市某某有限公司",
        "entity_type": "有限责任公司", "industry_code": "6210", "business_scope": "餐饮服务",
        "registered_capital": "100", "established_on": "2020-01-02", "status": "存续",
        "town_code": "441900003000", "address": "东莞市东城某路1号", "legal_rep_name": "张三",
        "legal_rep_id": "P0000000001", "known_at": "2020-01-02",
    }
    row.update(overrides)
    return row


def _rules(raw, contract=REGISTRATIONS):
    _, violations = check_table(pd.DataFrame(raw), contract)
    return set(zip(violations["row"], violations["column"], violations["rule"], strict=True))


def test_every_contract_has_a_key_and_event_tables_a_known_at():
    for contract in CONTRACTS.values():
        assert set(contract.key) <= set(contract.names)
    assert all(CONTRACTS[t].is_event_table for t in
               ("registration_changes", "penalties", "complaints", "inspections",
                "abnormal_list"))
    assert not CONTRACTS["inspectors"].is_event_table


def test_a_clean_row_passes_and_is_typed():
    table, violations = check_table(pd.DataFrame([_registration()]), REGISTRATIONS)
    assert violations.empty
    assert table["registered_capital"].iloc[0] == 100.0
    assert table["known_at"].dtype.kind == "M"


def test_each_kind_of_problem_names_row_column_and_rule():
    rules = _rules([
        _registration(),
        _registration(uscc="91441900MA4X07PQ5Y"),
        _registration(uscc="914419006177625157", entity_type="公司"),
        _registration(uscc="91441900708017879M", established_on="2020-02-30"),
        _registration(uscc="914403001922038216", registered_capital="-1", name=" "),
        _registration(uscc="91110108551385082Q", town_code="441900999000",
                      known_at="2019-01-01"),
        _registration(),  # duplicate key
    ])
    expected = {
        (1, "uscc", "uscc final check character (GB 32100)"),
        (3, "established_on", "not a date (YYYY-MM-DD)"),
        (4, "registered_capital", "below the minimum 0"),
        (4, "name", "required value missing"),
        (5, "known_at", "known_at is before established_on"),
        (6, "uscc", "duplicate key (uscc)"),
    }
    assert expected <= rules
    assert any(r[0] == 2 and r[1] == "entity_type" for r in rules)
    assert any(r[0] == 5 and r[1] == "town_code" for r in rules)


def test_inspections_need_two_different_inspectors_and_a_probability_when_random():
    base = {"inspection_id": "X1", "uscc": "91441900MA4X07PQ5X", "kind": "random",
            "inspected_on": "2024-01-02", "inspector_ids": "I0001|I0002",
            "outcome": "no_problem", "inclusion_prob": "0.1", "known_at": "2024-01-02"}
    rows = [base, {**base, "inspection_id": "X2", "inspector_ids": "I0001|I0001"},
            {**base, "inspection_id": "X3", "inclusion_prob": None},
            {**base, "inspection_id": "X4", "kind": "targeted", "inclusion_prob": None}]
    rules = _rules(rows, INSPECTIONS)
    assert {r[:2] for r in rules} == {(1, "inspector_ids"), (2, "inclusion_prob")}
