"""Names for scored firms come from the register: first registration, "" when unknown."""

from __future__ import annotations

import pandas as pd
import pytest

from training.scoring import names_of


@pytest.mark.parametrize("dtype", ["str", object])
def test_names_in_the_asked_order_first_registration_wins(dtype):
    register = pd.DataFrame({"uscc": ["A", "B", "A", "C"], "name": ["甲", "乙", "甲二", "丙"]},
                            dtype=dtype)
    asked = pd.Series(["C", "A", "Z", "A", None, "B"], dtype=dtype)
    assert list(names_of(register, asked)) == ["丙", "甲", "", "甲", "", "乙"]
    assert list(names_of(register, asked.iloc[:0])) == []
