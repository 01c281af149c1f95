"""`riskwarn backtest`: a city's records delivered its own way (scores instead of outcomes,
ungraded counts, routine visits, numeric area codes, no founding date, empty addresses and
representatives) go validate → features → train → backtest through commands alone, and the
table puts riskwarn beside its references on the same visits."""

import json

import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from serving.cli import app
from tests.features.chicago_slice import write_slice
from training.backtest.windows import windows

runner = CliRunner()
T = pd.Timestamp


def _as_a_city(folder):
    """The Chicago slice as another city would deliver it."""
    insp = pd.read_parquet(folder / "inspections.parquet")
    graded = ["critical_violations", "serious_violations", "minor_violations"]
    counts = insp[graded].fillna(0)
    insp["score"] = (100 - 10 * counts.iloc[:, 0] - 4 * counts.iloc[:, 1]
                     - counts.iloc[:, 2]).clip(lower=0)
    insp["violations"] = counts.sum(axis=1)
    insp["kind"] = "routine"
    insp = insp.drop(columns=[*graded, "outcome"])
    insp.to_parquet(folder / "inspections.parquet", index=False)
    reg = pd.read_parquet(folder / "registrations.parquet").drop(columns=["established_on"])
    reg["town_code"] = reg["town_code"].str[1:].astype("int64")  # area codes as numbers
    comp = pd.read_parquet(folder / "complaints.parquet")
    comp["town_code"] = comp["town_code"].str[1:].astype("Int64")
    comp.to_parquet(folder / "complaints.parquet", index=False)
    staff = pd.read_parquet(folder / "inspectors.parquet")
    staff["towns"] = staff["towns"].map(
        lambda towns: "|".join(str(int(t[1:])) for t in towns.split("|")))
    staff.to_parquet(folder / "inspectors.parquet", index=False)
    reg["address"] = None
    reg["legal_rep_id"] = None
    reg.to_parquet(folder / "registrations.parquet", index=False)
    meta = yaml.safe_load((folder / "_dataset.yaml").read_text("utf-8"))
    meta.update(name="a-city", town_codes=list(range(51)),
                not_recorded=["established_on", "outcome"],
                inspection_score={"better": "higher", "min": 0, "max": 100, "fail": 70})
    (folder / "_dataset.yaml").write_text(yaml.safe_dump(meta), "utf-8")
    return folder


@pytest.fixture(scope="module")
def city_cohort(tmp_path_factory):
    work = tmp_path_factory.mktemp("city")
    city = _as_a_city(write_slice(work / "sources", 300))
    checked = runner.invoke(app, ["validate", str(city), "--as-of", "2015-01-01"])
    assert checked.exit_code == 0, checked.output
    out = work / "cohort"
    built = runner.invoke(app, ["features", "--sources", str(city), "--out", str(out),
                                "--cohort", "inspected", "--label", "score<=85"])
    assert built.exit_code == 0, built.output
    return out


def test_a_city_goes_from_its_records_to_a_backtest_through_commands(city_cohort, tmp_path,
                                                                     monkeypatch):
    registry = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry)
    trained = runner.invoke(app, ["train", "--features", str(city_cohort), "--industry",
                                  "food"])
    assert trained.exit_code == 0, trained.output
    table = tmp_path / "rows.json"
    result = runner.invoke(app, ["backtest", "--features", str(city_cohort), "--test-from",
                                 "2014-05-01", "--test-to", "2014-12-31", "--windows", "2",
                                 "--window-months", "4", "--json", str(table)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    rows = json.loads(table.read_text("utf-8"))
    names = {r["name"] for r in rows}
    assert names == {"riskwarn", "history rule", "last score", "logistic regression",
                     "plain LightGBM"}
    assert {r["window"] for r in rows} == {1, 2, "mean"}
    for row in rows:
        assert set(row) == {"name", "window", "roc_auc", "pr_auc", "precision_top_10",
                            "precision_top_20", "days_earlier_mean", "days_earlier_ci_low",
                            "days_earlier_ci_high", "share_found_later", "first_half_share"}
        assert row["roc_auc"] is None or 0 <= row["roc_auc"] <= 1
    assert "ROC-AUC riskwarn - " in result.output
    client = MlflowClient(registry)
    experiment = client.get_experiment_by_name("backtest-a-city")
    run = client.search_runs([experiment.experiment_id])[0]
    assert "riskwarn_roc_auc" in run.data.metrics and "paired_auc_diff" in run.data.metrics
    assert str(tmp_path) in run.info.artifact_uri  # beside the database, not in the cwd
    logged = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert logged == {"plots/found_by_day.png"}


def test_what_cannot_run_is_one_line_and_exit_2(city_cohort, tmp_path, tiny):
    cases = [
        (["--test-from", "2014-12-31", "--test-to", "2014-05-01"], "is before --test-from"),
        (["--test-from", "2014-05-01", "--test-to", "2014-08-31", "--windows", "3"],
         "after --test-to 2014-08-31"),
        (["--test-from", "2014-05-01", "--test-to", "2014-08-31", "--train-to", "2014-06-01"],
         "must be before --test-from"),
        (["--test-from", "2014-5-1x", "--test-to", "2014-08-31"], "2014-5-1x"),
        (["--test-from", "2030-01-01", "--test-to", "2030-02-28"], "labelled test visits"),
    ]
    for options, said in cases:
        result = runner.invoke(app, ["backtest", "--features", str(city_cohort), *options])
        assert result.exit_code == 2, (options, result.output)
        assert said in result.output and "Traceback" not in result.output
    snapshots = tmp_path / "active"
    runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(snapshots),
                        "--as-of", "2024-06-30"])
    result = runner.invoke(app, ["backtest", "--features", str(snapshots), "--test-from",
                                 "2024-05-01", "--test-to", "2024-06-30"])
    assert result.exit_code == 2 and "needs an inspection cohort" in result.output


def test_windows_roll_forward_each_trained_on_its_past():
    cut = windows(T("2014-01-01"), T("2014-12-31"), None, 3, 4)
    assert [(w.test_from, w.test_to, w.train_to) for w in cut] == [
        (T("2014-01-01"), T("2014-04-30"), T("2013-12-31")),
        (T("2014-05-01"), T("2014-08-31"), T("2014-04-30")),
        (T("2014-09-01"), T("2014-12-31"), T("2014-08-31"))]
    one = windows(T("2014-09-01"), T("2014-10-31"), T("2014-06-30"), 1, 2)
    assert [(w.test_from, w.test_to, w.train_to) for w in one] == [
        (T("2014-09-01"), T("2014-10-31"), T("2014-06-30"))]
