import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from features.codes import (
    ALPHABET,
    RULE_FINAL_CHECK,
    RULE_FORMAT,
    RULE_ORG_CHECK,
    complete_codes,
    is_valid_uscc,
    uscc_problems,
)

REAL = ["914403001922038216", "91110108551385082Q", "914419006177625157",
        "91441900708017879M", "91441900MA4X07PQ5X"]


def test_real_codes_pass_both_checks():
    assert is_valid_uscc(pd.Series(REAL)).all()


@pytest.mark.parametrize("code", REAL)
def test_completing_a_real_code_gives_it_back(code):
    first16 = np.frombuffer(code[:16].encode(), dtype=np.uint8).reshape(1, 16)
    assert complete_codes(first16)[0] == code


@given(st.sampled_from(REAL), st.integers(0, 17), st.sampled_from(ALPHABET))
def test_one_character_change_never_passes(code, pos, char):
    changed = code[:pos] + char + code[pos + 1:]
    if changed != code:
        assert not is_valid_uscc(pd.Series([changed])).iloc[0]


def test_each_rule_is_named():
    problems = uscc_problems(pd.Series([
        "91441900MA4X07PQ5Y",  # final check
        "91441900MA4X07PQ6X",  # organisation-code check
        "91441900MA4X07PQ5",   # too short
        "91441900MA4X07PO5X",  # O is not in the alphabet
        None,
    ]))
    assert problems.tolist()[:4] == [RULE_FINAL_CHECK, RULE_ORG_CHECK, RULE_FORMAT, RULE_FORMAT]
    assert problems.iloc[4] == RULE_FORMAT


def test_legacy_codes_are_flagged_not_raised():
    codes = pd.Series(["441900000123456", "", "9144190070801787９M", 12345])
    assert (~is_valid_uscc(codes)).all()


@given(st.lists(st.one_of(st.none(), st.text(max_size=20),
                          st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18,
                                  max_size=18)), min_size=1, max_size=30))
def test_the_small_batch_path_agrees_with_the_arrow_path(values):
    import features.codes as codes

    series = pd.Series(values, dtype=object)
    small = codes.uscc_rule_numbers(series)
    saved, codes.SMALL = codes.SMALL, 0
    try:
        assert (codes.uscc_rule_numbers(series) == small).all()
    finally:
        codes.SMALL = saved
