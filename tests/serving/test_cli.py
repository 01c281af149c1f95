"""`riskwarn validate` and `riskwarn simulate` as a user runs them."""

import shutil

import pandas as pd
from typer.testing import CliRunner

from features.loading import load_sources
from serving.cli import app

runner = CliRunner()


def _copy(src, tmp_path):
    dst = tmp_path / "sources"
    shutil.copytree(src, dst)
    return dst


def _listing(folder):
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_validate_passes_on_generated_data(tiny):
    result = runner.invoke(app, ["validate", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "registrations" in result.output and "unmatched subjects" in result.output


def test_broken_code_at_row_17_exits_2_naming_file_row_and_column(tiny, tmp_path):
    folder = _copy(tiny, tmp_path)
    frame = pd.read_parquet(folder / "registrations.parquet")
    code = frame.loc[17, "uscc"]
    frame.loc[17, "uscc"] = code[:-1] + ("1" if code[-1] != "1" else "2")
    frame.to_parquet(folder / "registrations.parquet")
    before = _listing(folder)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "registrations.parquet: row 17, column uscc" in result.output
    assert "GB 32100" in result.output
    assert _listing(folder) == before  # nothing written


def test_missing_column_exits_2_naming_file_and_column(tiny, tmp_path):
    folder = _copy(tiny, tmp_path)
    frame = pd.read_parquet(folder / "complaints.parquet").drop(columns="channel")
    frame.to_parquet(folder / "complaints.parquet")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "complaints.parquet: missing column channel" in result.output


def test_unparseable_date_in_a_csv_exits_2_naming_file_row_and_column(tiny, tmp_path):
    folder = _copy(tiny, tmp_path)
    frame = pd.read_parquet(folder / "registrations.parquet")
    (folder / "registrations.parquet").unlink()
    frame = frame.astype({"established_on": str})
    frame.loc[5, "established_on"] = "2024-02-31"
    frame.to_csv(folder / "registrations.csv", index=False)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "registrations.csv: row 5, column established_on, value '2024-02-31'" in result.output
    assert "not a date" in result.output


def test_errors_are_capped_at_20_per_rule_with_a_count(tiny, tmp_path):
    folder = _copy(tiny, tmp_path)
    frame = pd.read_parquet(folder / "inspections.parquet")
    frame.loc[:29, "outcome"] = "maybe"
    frame.to_parquet(folder / "inspections.parquet")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert result.output.count("column outcome, value 'maybe'") == 20
    assert "(30 rows)" in result.output and "10 more rows" in result.output


def test_simulate_refuses_bad_dates_with_exit_2(tmp_path):
    result = runner.invoke(app, ["simulate", "--entities", "500", "--start", "2024-13-01",
                                 "--end", "2024-12-31", "--seed", "1", "--out",
                                 str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "not a date" in result.output
    assert not (tmp_path / "x").exists()


def test_simulate_prints_base_rates_beside_ranges(tmp_path):
    result = runner.invoke(app, ["simulate", "--entities", "1000", "--start", "2024-01-01",
                                 "--end", "2024-06-30", "--seed", "1", "--out",
                                 str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert "random_inspection_hit_rate" in result.output and "0.15–0.25" in result.output
    assert (tmp_path / "x" / "registrations.parquet").exists()


def test_a_date_after_the_run_date_exits_2_naming_file_row_and_column(tiny, tmp_path):
    folder = _copy(tiny, tmp_path)
    frame = pd.read_parquet(folder / "complaints.parquet")
    received = frame["received_at"].max()
    frame.loc[5, "received_at"] = pd.Timestamp("2031-05-01 09:30")
    frame.to_parquet(folder / "complaints.parquet")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "complaints.parquet: row 5, column received_at" in result.output
    assert "after the run's date" in result.output
    # --as-of sets the run's date: the data's own last day passes, the day before does not
    frame.loc[5, "received_at"] = received
    frame.to_parquet(folder / "complaints.parquet")
    typed = load_sources(folder).tables  # every date column parsed
    latest = max(frame[c].max() for frame in typed.values()
                 for c in frame.select_dtypes("datetime").columns)
    last = latest.strftime("%Y-%m-%d")
    assert runner.invoke(app, ["validate", str(folder), "--as-of", last]).exit_code == 0
    earlier = (latest - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    refused = runner.invoke(app, ["validate", str(folder), "--as-of", earlier])
    assert refused.exit_code == 2 and f"after the run's date {earlier}" in refused.output


def test_validate_on_a_missing_sqlite_database_creates_nothing(tmp_path):
    result = runner.invoke(app, ["validate", f"sqlite:///{tmp_path / 'nope.db'}"])
    assert result.exit_code == 2 and "no such database file" in result.output
    assert not (tmp_path / "nope.db").exists()
