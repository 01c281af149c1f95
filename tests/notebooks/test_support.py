"""What the notebooks share: demo data made only when missing, and the source-quality
summaries (`features.demo_data`, `features.quality`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from features.dataset import MANIFEST
from features.demo_data import ensure_features, ensure_sources, has_sources, missing_industries
from features.loading import Sources, load_sources
from features.quality import MATCH_OUTCOMES, complaint_links, link_summary, set_aside
from features.simulate import PLANTED_FILE, SimulationSpec

SMALL = SimulationSpec(300, date(2024, 1, 1), date(2024, 6, 30), 2)
MONTHS = ("2024-03-01", "2024-04-30")


def test_sources_are_made_once(tmp_path: Path):
    folder = tmp_path / "sources"
    assert not has_sources(folder)
    assert ensure_sources(folder, SMALL) == folder
    assert has_sources(folder)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.parquet")}
    ensure_sources(folder, SimulationSpec(500, date(2024, 1, 1), date(2024, 6, 30), 9))
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.parquet")} == stamps
    planted = pd.read_parquet(folder / PLANTED_FILE)  # the plants' new firms come on top
    new = planted["pattern"].isin(["cluster_registration", "one_rep_many_firms", "phoenix_firm"])
    assert len(load_sources(folder)["registrations"]) == SMALL.entities + new.sum()


def test_a_missing_table_means_the_sources_are_made_again(tmp_path: Path):
    folder = ensure_sources(tmp_path / "sources", SMALL)
    (folder / "penalties.parquet").unlink()
    assert not has_sources(folder)
    ensure_sources(folder, SMALL)
    assert (folder / "penalties.parquet").exists()


def test_features_are_built_only_for_industries_that_lack_them(tmp_path: Path):
    sources = ensure_sources(tmp_path / "sources", SMALL)
    out = tmp_path / "features"
    assert missing_industries(out, sources, ["food"], MONTHS) == ["food"]
    ensure_features(["food"], sources, out, MONTHS)
    first = json.loads((out / MANIFEST).read_text("utf-8"))["created_at"]
    assert sorted(p.name for p in (out / "industry=food").iterdir()) == [
        "as_of=2024-03-31", "as_of=2024-04-30"]
    assert missing_industries(out, sources, ["food", "ecommerce"], MONTHS) == ["ecommerce"]
    assert missing_industries(out, sources, ["food"], ("2024-03-01", "2024-05-31")) == ["food"]
    ensure_features(["food"], sources, out, MONTHS)  # nothing missing: nothing rebuilt
    assert json.loads((out / MANIFEST).read_text("utf-8"))["created_at"] == first
    ensure_features(["food", "ecommerce"], sources, out, MONTHS)
    assert (out / "industry=ecommerce" / "as_of=2024-04-30").is_dir()


def test_features_of_other_sources_do_not_count(tmp_path: Path):
    sources = ensure_sources(tmp_path / "sources", SMALL)
    out = ensure_features(["food"], sources, tmp_path / "features", MONTHS)
    other = ensure_sources(tmp_path / "other", SimulationSpec(300, date(2024, 1, 1),
                                                              date(2024, 6, 30), 4))
    assert missing_industries(out, other, ["food"], MONTHS) == ["food"]


def test_complaints_are_linked_or_say_why_not():
    registrations = pd.DataFrame({
        "uscc": ["A", "B", "C", "D"],
        "name": ["东莞市鑫隆餐厅", "东莞市鑫隆餐厅", "东莞市华盛超市", "东莞市鑫隆餐厅"],
        "town_code": ["t1", "t1", "t1", "t2"]})
    complaints = pd.DataFrame({
        "uscc": ["C", None, None, None, None],
        "subject_name": ["whatever", "鑫隆餐厅", "鑫隆餐厅（分店）", "华盛超市", "不存在的店"],
        "town_code": ["t9", "t1", "t2", None, "t1"]})
    links = complaint_links(complaints, registrations)
    assert links["outcome"].tolist() == [
        "named by credit code", "ambiguous: several firms of that name",
        "matched by name in its town", "matched by name city-wide (no town)",
        "no registered firm of that name"]
    assert links["uscc"].tolist()[2:4] == ["D", "C"] and links["uscc"].iloc[0] == "C"
    assert links["uscc"].iloc[[1, 4]].isna().all()
    summary = link_summary(links)
    assert summary.index.tolist() == list(MATCH_OUTCOMES)
    assert summary["complaints"].tolist() == [1, 1, 1, 1, 1]
    assert summary["share"].sum() == 1.0


def test_rows_set_aside_are_counted_per_rule():
    quarantine = pd.DataFrame({
        "table": ["registrations", "registrations", "registrations", "penalties"],
        "file": ["r.parquet"] * 3 + ["p.parquet"],
        "row": [3, 3, 7, 0],
        "column": ["uscc", "uscc", "uscc", "uscc"],
        "value": ["X1", "X1", "X2", "Y"],
        "rule": ["uscc final check character (GB 32100)", "duplicate key (uscc)",
                 "uscc final check character (GB 32100)", "uscc not found in registrations"]})
    tables = {"registrations": pd.DataFrame({"uscc": ["a", "b"]}),
              "penalties": pd.DataFrame({"uscc": ["c"]})}
    counted = set_aside(Sources(tables, quarantine)).set_index(["table", "rule"])
    assert counted.loc[("registrations", "uscc final check character (GB 32100)"), "rows"] == 2
    assert counted.loc[("registrations", "duplicate key (uscc)"), "rows"] == 1
    assert counted.loc[("penalties", "uscc not found in registrations"), "kept"] == 1
