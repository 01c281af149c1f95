import datetime

import numpy as np
import pandas as pd

from features.checks import check_table, is_in_each, list_items
from features.codes import RULES, uscc_problems, uscc_rule_numbers
from features.contracts import ABNORMAL_LIST, INSPECTIONS


def test_list_items_strip_each_item_and_keep_a_missing_value_as_one_item():
    items, rows = list_items(pd.Series(["a| b", None, "c", "|"], dtype="str"))
    assert items.tolist()[:2] == ["a", "b"]
    assert pd.isna(items.iloc[2]) and items.tolist()[3:] == ["c", "", ""]
    assert rows.tolist() == [0, 0, 1, 2, 3, 3]


def test_is_in_each_answers_per_column_and_missing_matches_only_missing():
    known = pd.Series(["A", "B"], dtype="str")
    first, second = is_in_each([pd.Series(["A", "C", None], dtype="str"),
                                pd.Series(["B"], dtype="str")], known)
    assert first.tolist() == [True, False, False] and second.tolist() == [True]
    with_missing = pd.Series(["A", None], dtype="str")
    assert is_in_each([pd.Series([None, "C"], dtype="str")], with_missing)[0].tolist() == [
        True, False]


def test_rule_numbers_name_the_same_rules_as_uscc_problems():
    codes = pd.Series(["91441900MA4X07PQ5X", "91441900MA4X07PQ5Y", "91441900MA4X07PQ6X",
                       "91441900MA4X07PO5X", "9144190070801787９M", None, 12345], dtype=object)
    numbers = uscc_rule_numbers(codes)
    assert numbers.tolist() == [0, 3, 2, 1, 1, 1, 1]
    named = [None if n == 0 else RULES[n - 1] for n in numbers]
    assert [None if pd.isna(p) else p for p in uscc_problems(codes)] == named


def _listing(**overrides):
    row = {"record_id": "A1", "uscc": "91441900MA4X07PQ5X", "list_type": "abnormal",
           "reason": "annual_report", "listed_on": datetime.date(2024, 1, 2),
           "removed_on": None, "known_at": datetime.date(2024, 1, 2)}
    return {**row, **overrides}


def test_date_objects_parse_and_read_as_plain_dates():
    rows = [_listing(), _listing(record_id="A2", known_at=datetime.date(2023, 12, 31))]
    table, violations = check_table(pd.DataFrame(rows), ABNORMAL_LIST)
    assert table["known_at"].dtype == "datetime64[s]"
    assert table["removed_on"].isna().all()
    assert violations[["row", "column", "value"]].values.tolist() == [
        [1, "known_at", "2023-12-31"]]


def test_a_date_time_object_among_date_objects_reads_with_its_time():
    early = datetime.datetime(2024, 1, 1, 9, 30)
    rows = [_listing(), _listing(record_id="A2", known_at=early)]
    table, violations = check_table(pd.DataFrame(rows), ABNORMAL_LIST)
    assert table["known_at"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-01")]
    assert violations[["row", "value", "rule"]].values.tolist() == [
        [1, "2024-01-01 09:30:00", "known_at is before listed_on"]]


def test_one_or_no_inspector_is_flagged_not_raised():
    base = {"inspection_id": "X1", "uscc": "91441900MA4X07PQ5X", "kind": "targeted",
            "inspected_on": "2024-01-02", "inspector_ids": "I0001|I0002",
            "outcome": "no_problem", "inclusion_prob": None, "known_at": "2024-01-02"}
    rows = [base, {**base, "inspection_id": "X2", "inspector_ids": "I0001"},
            {**base, "inspection_id": "X3", "inspector_ids": None},
            {**base, "inspection_id": "X4", "inspector_ids": " I0001 | I0002 "}]
    _, violations = check_table(pd.DataFrame(rows), INSPECTIONS)
    found = set(zip(violations["row"], violations["rule"], strict=True))
    assert found == {(1, "needs two different inspector ids joined with '|'"),
                     (2, "required value missing")}
    assert np.issubdtype(violations["row"].dtype, np.integer)
