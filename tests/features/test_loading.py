import shutil

import pandas as pd
import pytest
import sqlalchemy as sa

from features.loading import SourceError, load_sources, read_file
from features.simulate import PLANTED_FILE


def test_csv_in_gb18030_and_utf8_bom_read_the_same(tmp_path):
    frame = pd.DataFrame({"name": ["东莞市鑫隆餐厅", "长安镇"], "n": ["1", "2"]})
    frame.to_csv(tmp_path / "a.csv", index=False, encoding="gb18030")
    frame.to_csv(tmp_path / "b.csv", index=False, encoding="utf-8-sig")
    assert read_file(tmp_path / "a.csv").equals(read_file(tmp_path / "b.csv"))
    assert read_file(tmp_path / "a.csv")["name"].iloc[0] == "东莞市鑫隆餐厅"


def test_loads_a_generated_folder_without_quarantine(tiny):
    sources = load_sources(tiny)
    assert sources.quarantine.empty
    planted = pd.read_parquet(tiny / PLANTED_FILE)  # the plants' new firms come on top
    new = planted["pattern"].isin(["cluster_registration", "one_rep_many_firms", "phoenix_firm"])
    assert len(sources["registrations"]) == 800 + new.sum()
    assert sources["inspections"]["known_at"].dtype.kind == "M"


def test_hidden_and_underscore_files_are_ignored(tiny, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(tiny, copy)
    shutil.copy(copy / "penalties.parquet", copy / "_penalties.csv")
    (copy / ".penalties.csv").write_text("junk")
    assert len(load_sources(copy)["penalties"]) == len(load_sources(tiny)["penalties"])


def test_bad_rows_are_quarantined_and_the_rest_carries_on(tiny, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(tiny, copy)
    frame = pd.read_parquet(copy / "inspections.parquet")
    frame.loc[3, "outcome"] = "unknown"
    frame.to_parquet(copy / "inspections.parquet")
    sources = load_sources(copy)
    assert len(sources["inspections"]) == len(frame) - 1
    row = sources.quarantine.iloc[0]
    assert (row["table"], row["row"], row["column"]) == ("inspections", 3, "outcome")
    assert row["file"].endswith("inspections.parquet")


def test_a_missing_column_stops_the_load_naming_file_and_column(tiny, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(tiny, copy)
    pd.read_parquet(copy / "penalties.parquet").drop(columns="known_at").to_parquet(
        copy / "penalties.parquet")
    with pytest.raises(SourceError, match=r"penalties.parquet: missing column known_at"):
        load_sources(copy)


def test_a_missing_table_and_an_unreadable_file_are_both_reported(tiny, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(tiny, copy)
    (copy / "inspectors.parquet").unlink()
    (copy / "penalties.parquet").write_bytes(b"not parquet")
    with pytest.raises(SourceError) as caught:
        load_sources(copy)
    text = str(caught.value)
    assert "no file for table inspectors" in text and "penalties.parquet: cannot read" in text


def test_loads_from_a_sql_database(tiny, tmp_path):
    url = f"sqlite:///{tmp_path / 'sources.db'}"
    engine = sa.create_engine(url)
    for table, frame in load_sources(tiny).tables.items():
        frame.to_sql(table, engine, index=False)
    sources = load_sources(url)
    assert sources.quarantine.empty
    assert len(sources["complaints"]) == len(load_sources(tiny)["complaints"])
    assert sources.origin["complaints"].endswith("#complaints")


def test_rows_dated_after_the_run_date_are_quarantined(tiny):
    run_date = pd.Timestamp("2024-06-30")
    sources = load_sources(tiny, run_date.date())
    for table, frame in sources.tables.items():
        for column in frame.select_dtypes("datetime").columns:
            assert not (frame[column] > run_date).any(), (table, column)
    later = sources.quarantine.loc[sources.quarantine["rule"].str.contains("after the run")]
    assert len(later) and set(later["column"]) >= {"known_at"}
    assert len(load_sources(tiny).quarantine) == 0  # today: nothing set aside
