import pandas as pd

from features.firm_state import active_as_of, state_as_of
from features.matching import match_subjects, normalize_name


def test_name_variants_normalise_alike():
    names = pd.Series(["东莞市鑫隆贸易有限公司", "鑫隆贸易公司",
                       "东莞市鑫隆贸易有限公司（长安店）", " 鑫隆 贸易 "])
    assert normalize_name(names).nunique() == 1


def test_complaints_match_by_code_or_by_name_in_town():
    reg = pd.DataFrame({"uscc": ["A", "B", "C"],
                        "name": ["东莞市鑫隆餐厅", "东莞市鑫隆餐厅", "东莞市华盛超市"],
                        "town_code": ["t1", "t2", "t1"]})
    comp = pd.DataFrame({"uscc": ["C", None, None, None],
                         "subject_name": ["x", "鑫隆餐厅（分店）", "华盛超市", "不存在的店"],
                         "town_code": ["t1", "t2", None, "t1"]})
    assert match_subjects(comp, reg).tolist()[:3] == ["C", "B", "C"]
    assert pd.isna(match_subjects(comp, reg).iloc[3])
    subset = comp.iloc[[1, 2]].set_axis([10, 20])  # any index, e.g. a filtered frame
    assert match_subjects(subset, reg.set_axis([7, 8, 9])).tolist() == ["B", "C"]
    assert normalize_name(subset["subject_name"]).index.tolist() == [10, 20]


def test_state_rolls_back_changes_not_yet_known():
    reg = pd.DataFrame({"uscc": ["A", "B"], "status": ["注销", "存续"],
                        "legal_rep_id": ["P2", "P3"], "address": ["新址", "某址"],
                        "registered_capital": [50.0, 10.0],
                        "known_at": pd.to_datetime(["2020-01-01", "2024-06-01"])})
    changes = pd.DataFrame({
        "change_id": ["1", "2", "3"], "uscc": ["A", "A", "A"],
        "change_type": ["legal_rep", "capital_decrease", "status"],
        "old_value": ["P1", "500.0", "存续"], "new_value": ["P2", "50.0", "注销"],
        "known_at": pd.to_datetime(["2023-01-01", "2024-01-01", "2024-03-01"]),
    })
    before = state_as_of(reg, changes, pd.Timestamp("2023-06-01")).set_index("uscc")
    assert list(before.index) == ["A"]  # B was not registered yet
    assert before.loc["A", "legal_rep_id"] == "P2"
    assert before.loc["A", "registered_capital"] == 500.0
    assert before.loc["A", "status"] == "存续"
    # a change known on the as-of date is not yet known: still active that day
    assert len(active_as_of(reg, changes, pd.Timestamp("2024-03-01"))) == 1
    assert active_as_of(reg, changes, pd.Timestamp("2024-03-02")).empty
