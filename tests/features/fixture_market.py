"""A hand-made market of four firms and a few dozen events, with every feature worked out by
hand in test_features_by_hand.py. As of 2024-01-01:

A food (6210), town 003, address addr1 (moved in 2023-02-01), representative P1 (since
  2023-11-15); penalties 2021-06-01 (警告) and 2023-12-20 (罚款 2.0); complaints 2023-03-01,
  2023-10-15 (named only), 2023-12-15; random visit 2023-05-01 (violation), targeted visit
  2023-12-20 (none); listed 2022-07-05, removed 2022-09-01. After the date: penalty
  2024-01-01, random visit 2024-02-01 (violation), complaint 2024-01-05.
B food (6220), town 003, address addr1, capital 500 until a decrease known 2024-02-01;
  penalty 2022-12-31 (吊销许可证件); random visit 2023-08-01 (case opened); listed
  (unreachable) 2023-07-03, never removed.
C e-commerce (5292), town 003, established 2023-03-01, representative P1.
D quasi-financial (7212), town 119, on the serious-violation list 2023-06-01, deregistered
  (change known 2024-03-01); a complaint known 2025-01-01 sets the data end.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

A, B, C, D = ("91441900MA4X07PQ5X", "914419006177625157", "91441900708017879M",
              "914403001922038216")
AS_OF = "2024-01-01"


def _registrations() -> pd.DataFrame:
    rows = [
        (A, "东莞市鑫隆餐厅", "有限责任公司", "6210", 100.0, "2020-01-01", "存续", "441900003000",
         "addr1", "P1"),
        (B, "东莞市华盛快餐有限公司", "有限责任公司", "6220", 50.0, "2021-06-01", "存续",
         "441900003000", "addr1", "P2"),
        (C, "东莞市通达电子商务有限公司", "有限责任公司", "5292", 10.0, "2023-03-01", "存续",
         "441900003000", "addr2", "P1"),
        (D, "东莞市汇富投资管理有限公司", "有限责任公司", "7212", 1000.0, "2019-05-01", "注销",
         "441900119000", "addr3", "P9"),
    ]
    cols = ["uscc", "name", "entity_type", "industry_code", "registered_capital",
            "established_on", "status", "town_code", "address", "legal_rep_id"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["known_at"] = frame["established_on"]
    frame["reg_no"] = None
    frame["parent_uscc"] = None
    frame["business_scope"] = "经营范围"
    frame["legal_rep_name"] = "某某"
    return frame


def _changes() -> pd.DataFrame:
    rows = [
        ("c1", A, "legal_rep", "P0", "P1", "2023-11-10", "2023-11-15"),
        ("c2", A, "address", "addr0", "addr1", "2023-01-20", "2023-02-01"),
        ("c3", D, "status", "存续", "注销", "2024-02-20", "2024-03-01"),
        ("c4", B, "capital_decrease", "500.0", "50.0", "2024-01-20", "2024-02-01"),
    ]
    return pd.DataFrame(rows, columns=["change_id", "uscc", "change_type", "old_value",
                                       "new_value", "changed_on", "known_at"])


def _penalties() -> pd.DataFrame:
    rows = [
        ("p1", A, "罚款", 2.0, "2023-12-20"),
        ("p2", A, "警告", None, "2021-06-01"),
        ("p3", A, "责令停产停业", 100.0, "2024-01-01"),
        ("p4", B, "吊销许可证件", 5.0, "2022-12-31"),
    ]
    frame = pd.DataFrame(rows, columns=["decision_no", "uscc", "penalty_kinds", "fine",
                                        "known_at"])
    frame["party_name"] = "x"
    frame["violation_type"] = "x"
    frame["legal_basis"] = None
    frame["confiscated"] = None
    frame["authority"] = "东莞市市场监督管理局"
    frame["violation_on"] = None
    frame["decided_on"] = frame["known_at"]
    frame["published_on"] = frame["known_at"]
    return frame


def _complaints() -> pd.DataFrame:
    rows = [
        ("q1", A, None, "异物", "true", "投诉", "2023-12-15"),
        ("q2", None, "鑫隆餐厅（东城店）", "卫生问题", "false", "投诉", "2023-10-15"),
        ("q3", None, "查无此店", "卫生问题", None, "投诉", "2023-10-16"),
        ("q4", A, None, "过期变质", None, "咨询", "2023-03-01"),
        ("q5", A, None, "异物", "true", "投诉", "2024-01-05"),
        ("q6", D, None, "非法集资", "true", "举报", "2025-01-01"),
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "uscc", "subject_name", "category",
                                        "substantiated", "kind", "known_at"])
    frame["received_at"] = frame["known_at"] + " 10:00:00"
    frame["channel"] = "电话"
    frame["town_code"] = "441900003000"
    frame["handling_unit"] = None
    frame["closed_on"] = None
    frame["satisfaction"] = None
    return frame


def _inspections() -> pd.DataFrame:
    rows = [
        ("i1", A, "random", "rectify", 0.1, "2023-05-01"),
        ("i2", A, "targeted", "no_problem", None, "2023-12-20"),
        ("i3", B, "random", "case_opened", 1 / 30, "2023-08-01"),
        ("i4", A, "random", "rectify", 0.2, "2024-02-01"),
    ]
    frame = pd.DataFrame(rows, columns=["inspection_id", "uscc", "kind", "outcome",
                                        "inclusion_prob", "known_at"])
    frame["inspected_on"] = frame["known_at"]
    frame["inspector_ids"] = "I0001|I0002"
    return frame


def _listings() -> pd.DataFrame:
    rows = [
        ("l1", A, "abnormal", "annual_report", "2022-07-05", "2022-09-01"),
        ("l2", B, "abnormal", "unreachable", "2023-07-03", None),
        ("l3", D, "serious_violation", "serious_violation", "2023-06-01", None),
    ]
    frame = pd.DataFrame(rows, columns=["record_id", "uscc", "list_type", "reason",
                                        "known_at", "removed_on"])
    frame["listed_on"] = frame["known_at"]
    return frame


def _inspectors() -> pd.DataFrame:
    return pd.DataFrame({"inspector_id": ["I0001", "I0002"], "name": ["甲", "乙"],
                         "towns": "441900003000", "industries": "food|ecommerce",
                         "visits_per_day": 3, "unavailable_dates": None})


def write_market(folder: Path) -> Path:
    """The seven tables as CSV files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("registrations", _registrations()),
                        ("registration_changes", _changes()), ("penalties", _penalties()),
                        ("complaints", _complaints()), ("inspections", _inspections()),
                        ("abnormal_list", _listings()), ("inspectors", _inspectors())):
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder
