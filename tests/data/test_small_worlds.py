"""Small generated worlds: a change's value is looked up only in its own kind's list (an
address change once indexed the people and overflowed when there were few of them)."""

from datetime import date

import pandas as pd

from features.simulate import SimulationSpec, simulate
from features.validation import validate


def test_a_300_entity_half_year_generates_and_validates(tmp_path):
    simulate(SimulationSpec(300, date(2024, 1, 1), date(2024, 6, 30), 3), tmp_path)
    changes = pd.read_parquet(tmp_path / "registration_changes.parquet")
    assert {"address", "legal_rep"} <= set(changes["change_type"])
    assert validate(tmp_path).ok
