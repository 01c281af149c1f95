"""`riskwarn features` as data staff run it."""

import json

import pandas as pd
from typer.testing import CliRunner

from serving.cli import app

runner = CliRunner()


def test_builds_hive_partitions_and_a_manifest(tiny, tmp_path):
    out = tmp_path / "features"
    result = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(out),
                                 "--monthly", "2024-03-01", "2024-05-31", "--as-of",
                                 "2024-06-15", "--industry", "food"])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert set(frame["industry"].astype(str)) == {"food"}
    assert sorted(frame["as_of"].astype(str).unique()) == [
        "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-15"]
    assert {"uscc", "town_code", "label", "label_random", "pen_365d"} <= set(frame.columns)
    assert not frame.duplicated(["as_of", "uscc"]).any()
    manifest = json.loads((out / "_manifest.json").read_text("utf-8"))
    assert manifest["feature_set_version"] and len(manifest["source_fingerprint"]) == 64
    assert manifest["row_counts"]["food"] == len(frame)
    assert 0 < manifest["complaint_matching"]["match_rate_named_only"] <= 1
    assert manifest["seconds"]["total"] > 0


def test_rerun_replaces_a_partition_and_keeps_the_others(tiny, tmp_path):
    out = tmp_path / "features"
    for as_of in ("2024-04-01", "2024-05-01", "2024-04-01"):
        result = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(out),
                                     "--as-of", as_of])
        assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert sorted(frame["as_of"].astype(str).unique()) == ["2024-04-01", "2024-05-01"]
    manifest = json.loads((out / "_manifest.json").read_text("utf-8"))
    assert len(manifest["partitions"]) == 6
    assert not list(out.rglob(".*partial*"))


def test_no_date_or_a_bad_date_exits_2(tiny, tmp_path):
    result = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--as-of" in result.output
    result = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(tmp_path),
                                 "--as-of", "2024-02-30"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_broken_sources_exit_2_naming_the_file(tiny, tmp_path):
    (tmp_path / "src").mkdir()
    result = runner.invoke(app, ["features", "--sources", str(tmp_path / "src"), "--out",
                                 str(tmp_path / "f"), "--as-of", "2024-04-01"])
    assert result.exit_code == 2
    assert "no file for table registrations" in result.output
    assert not (tmp_path / "f").exists()


def test_inspection_cohort_one_row_per_visit_labelled_by_its_outcome(tiny, tmp_path):
    out = tmp_path / "cohort"
    result = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(out),
                                 "--cohort", "inspected", "--monthly", "2024-06-01",
                                 "2024-07-31", "--industry", "food"])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    visits = pd.read_parquet(tiny / "inspections.parquet")
    visits = visits.loc[(visits["inspected_on"] >= pd.Timestamp("2024-06-01").date())
                        & (visits["inspected_on"] <= pd.Timestamp("2024-07-31").date())]
    assert not frame["inspection_id"].duplicated().any()
    assert set(frame["inspection_id"]) <= set(visits["inspection_id"])
    assert frame["as_of"].astype(str).min() < "2024-06-30"  # FROM itself bounds the visits
    outcome = visits.set_index("inspection_id")["outcome"]
    found = outcome.loc[frame["inspection_id"]].isin(["rectify", "case_opened"]).to_numpy()
    assert (frame["label"].to_numpy() == found).all()
    assert (frame["as_of"].astype(str).to_numpy() ==
            visits.set_index("inspection_id").loc[frame["inspection_id"], "inspected_on"]
            .astype(str).to_numpy()).all()
    manifest = json.loads((out / "_manifest.json").read_text("utf-8"))
    assert manifest["cohort"] == "inspected" and manifest["visits_kept"] == len(frame)
    assert "visit_inspector" in manifest["feature_columns"]


def test_a_cohort_folder_refuses_the_other_kind_of_dataset(tiny, tmp_path):
    out = tmp_path / "cohort"
    first = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(out),
                                "--cohort", "inspected", "--as-of", "2024-07-01",
                                "--as-of", "2024-07-31", "--industry", "food"])
    assert first.exit_code == 0, first.output
    for extra in (["--as-of", "2024-07-31"],
                  ["--cohort", "inspected", "--label", "critical", "--as-of", "2024-07-31"]):
        again = runner.invoke(app, ["features", "--sources", str(tiny), "--out", str(out),
                                    *extra])
        assert again.exit_code == 2, again.output
        assert "holds the inspected (label violation) cohort" in again.output


def test_a_city_cohort_is_labelled_by_its_score_and_a_label_without_a_rule_is_refused(tmp_path):
    from tests.features.test_city_records import _city

    city, out = _city(tmp_path / "city"), tmp_path / "cohort"
    result = runner.invoke(app, ["features", "--sources", str(city), "--out", str(out),
                                 "--cohort", "inspected", "--label", "score<=70"])
    assert result.exit_code == 0, result.output
    assert "label: the visit's score is at or below 70" in result.output
    assert "partitions written" in result.output  # a line per stage
    frame = pd.read_parquet(out)
    assert {"insp_score_last", "insp_routine"} <= set(frame.columns)
    assert json.loads((out / "_manifest.json").read_text("utf-8"))["label"] == "score<=70"

    wrong = runner.invoke(app, ["features", "--sources", str(tmp_path / "nowhere"), "--out",
                                str(tmp_path / "x"), "--cohort", "inspected", "--label", "bad"])
    assert wrong.exit_code == 2  # refused before the (missing) sources are looked at
    assert "one of violation, critical, score<=N, score>=N" in wrong.output

    unsupported = runner.invoke(app, ["features", "--sources", str(city), "--out",
                                      str(tmp_path / "y"), "--cohort", "inspected",
                                      "--label", "violation"])
    assert unsupported.exit_code == 2 and "does not record" in unsupported.output
    assert "Traceback" not in unsupported.output
