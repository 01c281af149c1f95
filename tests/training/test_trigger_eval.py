"""`riskwarn evaluate --oracle` for the triggers: each rule finds the firms planted with its
pattern, and its firings hit planted and truly risky firms more often than a random firm of the
same industry would."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.triggers import RULES
from serving.cli import app
from training.trigger_eval import COLUMNS, trigger_precision


@pytest.fixture(scope="module")
def table(tiny) -> pd.DataFrame:
    return trigger_precision(tiny).set_index("rule")


def test_every_rule_finds_its_planted_firms_above_random(table):
    assert list(table.index) == list(RULES) and list(table.reset_index().columns) == COLUMNS
    for rule, row in table.iterrows():
        found, planted = map(int, row["planted_found"].split("/"))
        assert planted >= 1 and found == planted, rule
        assert row["precision_planted"] > 10 * row["random_planted"], rule
        assert row["precision_risky"] > row["random_risky"], rule
    # the top tenth plus the planted (more in the tiny world's few quasi-financial firms)
    assert table["random_risky"].between(0.09, 0.2).all()


def test_a_folder_without_planted_patterns_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", "--industry", "food", "--oracle",
                                      "--sources", str(tmp_path)])
    assert result.exit_code == 0
    assert f"triggers: {tmp_path}: no planted patterns" in result.output.replace("\n", "")


def test_evaluate_oracle_prints_each_rules_precision_beside_random(tiny):
    result = CliRunner().invoke(app, ["evaluate", "--industry", "food", "--oracle",
                                      "--alias", "nobody", "--sources", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "food: no model with alias nobody" in result.output  # the models' part, one line
    assert "triggers against the hidden truth" in result.output
    for rule in RULES:
        assert rule in result.output
