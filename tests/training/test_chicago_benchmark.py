"""`riskwarn benchmark chicago` end to end on a slice of the real data (../shared, in CI):
the adapter, the inspection cohort, every row of the table, the JSON file and MLflow."""

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from serving.cli import app
from training.chicago.own import DERIVED
from training.data import feature_names

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


def test_benchmark_on_a_slice_prints_every_row_and_writes_json_and_mlflow(tmp_path):
    data = _slice(tmp_path / "data")
    out = tmp_path / "rows.json"
    result = CliRunner().invoke(app, ["benchmark", "chicago", "--data", str(data), "--json",
                                      str(out), "--work", str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text("utf-8"))
    assert [r["name"] for r in rows][2:] == ["riskwarn", "history rule", "logistic regression",
                                             "plain LightGBM"]
    assert [r["name"].split(" ")[0] for r in rows][:2] == ["published", "logit"]
    assert all(set(r) >= KEYS for r in rows)
    assert rows[0]["days_earlier_mean"] == 7.44 and rows[0]["first_half_share"] == 0.6899
    for row in rows[1:]:
        assert 0.5 < row["auc"] < 1 and 0 <= row["share_found_later"] <= 1
    assert "days earlier" in result.output and "plain LightGBM" in result.output
    # riskwarn's inputs are what its own pipeline builds from the raw tables: no derived
    # column of the city's analysis table, no outcome of the visit itself
    cohort = pd.read_parquet(tmp_path / "work" / "cohort.parquet")
    inputs = feature_names(cohort.rename(columns={"inspected_on": "as_of"}))
    assert "visit_inspector" in inputs and "insp_last_critical" in inputs
    assert not [name for name in inputs for prefix in DERIVED if prefix in name]
    assert not {"inspection_id", "uscc", "label", "critical_violations"} & set(inputs)
    runs = mlflow.search_runs(experiment_names=["chicago"])
    assert len(runs) >= 1 and "metrics.riskwarn_days_earlier_mean" in runs.columns


def test_a_folder_without_the_tables_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["benchmark", "chicago", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "missing 23_food_insp_features.parquet" in result.output
