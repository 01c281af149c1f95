"""`riskwarn benchmark chicago` end to end on a slice of the real data (../shared, in CI):
the adapter, the inspection cohort, every row of the table, the JSON file and MLflow."""

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from features.cohorts import cohort_features
from serving.cli import app
from training.chicago.own import DERIVED, OWN_INPUT_SETS, OWN_INPUTS

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "chicago-food-inspections"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no Chicago data at {DATA}")
KEYS = {"name", "auc", "days_earlier_mean", "days_earlier_median", "share_found_later",
        "first_half_share"}


def _slice(out: Path) -> Path:
    """The tables of the inspections from 2014-03-01 on (training rows from then to
    2014-04-16, the whole test period) and the 311 complaints from 2013 on."""
    out.mkdir()
    model = pd.read_parquet(DATA / "23_dat_model.parquet")
    kept = model.loc[model["Inspection_Date"] >= "2014-03-01", "Inspection_ID"]
    for file in DATA.glob("*.parquet"):
        frame = pd.read_parquet(file)
        if "Inspection_ID" in frame:
            frame = frame.loc[frame["Inspection_ID"].isin(kept)]
        if file.name.startswith("15_"):
            frame = frame.loc[frame["Creation_Date"] >= "2013-01-01"]
        frame.to_parquet(out / file.name, index=False)
    return out


def test_the_own_row_reads_only_what_the_pipeline_builds():
    for inputs in OWN_INPUT_SETS.values():
        assert not [name for name in inputs for prefix in DERIVED if prefix in name]
    assert OWN_INPUTS == (
        "visit_inspector", "industry_code", "entity_type", "town_code", "age_days",
        "addr_firms", "rep_firms", "comp_90d", "comp_365d", "comp_hygiene_365d",
        "comp_food_safety_365d", "insp_targeted", "insp_targeted_violations",
        "insp_days_since_last", "insp_violation_share", "insp_last_critical",
        "insp_critical_365d", "insp_last_serious", "insp_serious_365d", "insp_last_minor",
        "insp_minor_365d", "near_comp_30d", "near_comp_90d", "near_comp_365d")


def test_benchmark_on_a_slice_prints_every_row_and_writes_json_and_mlflow(tmp_path):
    data = _slice(tmp_path / "data")
    out = tmp_path / "rows.json"
    result = CliRunner().invoke(app, ["benchmark", "chicago", "--data", str(data), "--json",
                                      str(out), "--work", str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text("utf-8"))
    assert [r["name"].split(" ")[0] for r in rows] == ["published", "logit", "riskwarn",
                                                       "riskwarn"]
    assert all(set(r) >= KEYS for r in rows)
    assert rows[0]["days_earlier_mean"] == 7.44 and rows[0]["first_half_share"] == 0.6899
    for row in rows[1:]:
        assert 0.5 < row["auc"] < 1 and 0 <= row["share_found_later"] <= 1
    assert "days earlier" in result.output and "riskwarn LightGBM" in result.output
    cohort = pd.read_parquet(tmp_path / "work" / "cohort.parquet")
    assert set(OWN_INPUTS) <= set(cohort_features(cohort))
    runs = mlflow.search_runs(experiment_names=["chicago"])
    assert len(runs) >= 1 and "metrics.riskwarn_own_days_earlier_mean" in runs.columns


def test_a_folder_without_the_tables_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["benchmark", "chicago", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "missing 23_food_insp_features.parquet" in result.output
