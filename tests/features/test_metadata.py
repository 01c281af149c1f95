"""A data set's `_dataset.yaml`: another firm-id scheme, its own areas, one inspector a visit."""

import pandas as pd
import pytest

from features.loading import SourceError, load_sources
from features.metadata import DatasetMeta, contracts_for, write_meta
from features.validation import validate
from tests.features.fixture_market import A, B, C, D, write_market

LICENCES = {A: "1001", B: "1002", C: "1003", D: "1004"}
FIRM_COLUMNS = {"registrations": ["uscc"], "registration_changes": ["uscc"],
                "penalties": ["uscc"], "complaints": ["uscc"], "inspections": ["uscc"],
                "abnormal_list": ["uscc"]}


def _licensed(folder, town="W07", inspectors="single"):
    """The hand-made market keyed by licence numbers, in wards, one sanitarian a visit."""
    write_market(folder)
    for table, columns in FIRM_COLUMNS.items():
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str)
        for column in columns:
            frame[column] = frame[column].replace(LICENCES)
        if "town_code" in frame:
            frame["town_code"] = frame["town_code"].where(frame["town_code"].isna(), town)
        if table == "inspections" and inspectors == "single":
            frame["inspector_ids"] = "I0001"
        frame.to_csv(folder / f"{table}.csv", index=False)
    crew = pd.read_csv(folder / "inspectors.csv", dtype=str)
    crew["towns"] = town
    crew.to_csv(folder / "inspectors.csv", index=False)
    return folder


LICENCE_META = DatasetMeta(name="test", firm_id="licence", firm_id_pattern=r"\d{4}",
                           town_codes=("W07", "W08"), visit_inspectors=1)


def test_declared_scheme_areas_and_visits_validate_clean(tmp_path):
    folder = _licensed(tmp_path)
    write_meta(folder, LICENCE_META)
    report = validate(folder)
    assert report.ok, report.error_lines()
    assert report.summary["invalid_codes"].sum() == 0
    sources = load_sources(folder)
    assert sources.meta.firm_id == "licence"
    assert sorted(sources["registrations"]["uscc"]) == ["1001", "1002", "1003", "1004"]


def test_without_the_declaration_licences_break_the_credit_code_rules(tmp_path):
    report = validate(_licensed(tmp_path))
    rules = set(zip(report.violations["column"], report.violations["rule"], strict=True))
    assert any(column == "uscc" for column, _ in rules)
    assert ("town_code", "not an allowed value (441900003000, 441900004000, 441900005000, "
            "441900006000, 441900101000, 441900102000, 441900103000, 441900104000, …)") in rules
    assert any(column == "inspector_ids" and "two different" in rule for column, rule in rules)


def test_ids_outside_the_declared_pattern_are_named(tmp_path):
    folder = _licensed(tmp_path)
    write_meta(folder, LICENCE_META)
    reg = pd.read_csv(folder / "registrations.csv", dtype=str)
    reg.loc[2, "uscc"] = "10x3"
    reg.to_csv(folder / "registrations.csv", index=False)
    bad = validate(folder).violations
    row = bad.loc[(bad["table"] == "registrations") & (bad["column"] == "uscc")]
    assert row[["row", "value", "rule"]].values.tolist() == [[2, "10x3", r"does not match \d{4}"]]


def test_a_broken_declaration_stops_the_load_naming_the_file(tmp_path):
    folder = _licensed(tmp_path)
    (folder / "_dataset.yaml").write_text("firm_id: licence\n", "utf-8")  # no pattern
    with pytest.raises(SourceError, match=r"_dataset.yaml: .*needs a firm_id_pattern"):
        load_sources(folder)


def test_the_defaults_are_the_plain_contracts():
    from features.contracts import CONTRACTS

    assert contracts_for(DatasetMeta()) is CONTRACTS
    licence = contracts_for(LICENCE_META)
    assert not licence["inspections"].columns[1].uscc
    assert licence["inspections"].visit_inspectors == 1


def test_districts_pool_a_data_sets_areas_and_name_only_its_own():
    meta = DatasetMeta(town_codes=[94101, 94102], districts={94101: "North", 94102: "North"})
    assert meta.area_districts == {"94101": "North", "94102": "North"}
    assert DatasetMeta(town_codes=["W01"]).area_districts == {}  # a city without them
    assert DatasetMeta().area_districts["441900003000"] == "城区片区"  # Dongguan's 片区
    with pytest.raises(ValueError, match="districts: W09 not in town_codes"):
        DatasetMeta(town_codes=["W01"], districts={"W09": "North"})
