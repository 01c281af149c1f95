"""The generated market: reproducible, valid, realistic, and learnable but not trivial."""

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from features.codes import is_valid_uscc
from features.loading import load_sources
from features.prepare import prepare
from features.simulate import TRUTH_FILE, SimulationSpec, simulate
from features.simulate.baserates import base_rates
from features.simulate.oracle import oracle_auc
from features.validation import validate

from tests.conftest import MARKET, TINY

AS_OF = [pd.Timestamp(d) for d in ("2023-01-01", "2023-07-01", "2024-01-01", "2024-07-01")]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, tiny):
    simulate(TINY, tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(tiny)
    other = SimulationSpec(TINY.entities, TINY.start, TINY.end, TINY.seed + 1)
    simulate(other, tmp_path / "other")
    assert _digest(tmp_path / "other") != _digest(tiny)


def test_rerun_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "s"
    simulate(TINY, out)
    (out / "stale.parquet").write_text("x")
    simulate(TINY, out)
    assert not (out / "stale.parquet").exists()
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.old"))


def test_market_validates_and_every_code_passes(market):
    report = validate(market)
    assert report.ok, report.error_lines()[:5]
    # only orders about unregistered vendors (6 %) and ambiguous names stay unmatched
    assert 0.03 < report.complaint_matching["unmatched_share_of_named_only"] < 0.15
    sources = load_sources(market)
    reg = sources["registrations"]
    assert is_valid_uscc(reg["uscc"]).all() and reg["uscc"].is_unique
    assert is_valid_uscc(reg["parent_uscc"].dropna()).all()
    assert (reg["entity_type"] == "个体工商户").mean() > 0.5


def test_truth_has_one_risk_per_active_firm_and_month(market):
    truth = pd.read_parquet(market / TRUTH_FILE)
    assert list(truth.columns) == ["uscc", "month"] + ["risk"]
    assert truth["risk"].between(0, 1).all()
    assert not truth.duplicated(["uscc", "month"]).any()
    assert truth["month"].nunique() == 48


def test_base_rates_fall_inside_the_published_ranges(market):
    rates = base_rates(load_sources(market).tables, pd.Timestamp(MARKET.start),
                       pd.Timestamp(MARKET.end))
    assert rates["ok"].all(), rates.loc[~rates["ok"], ["metric", "value", "low", "high"]]


def test_truth_ranks_outcomes_with_auc_inside_the_band(market):
    result = oracle_auc(prepare(load_sources(market).tables), market / TRUTH_FILE, AS_OF)
    assert set(result["industry"]) == {"food", "ecommerce", "quasi_financial"}
    assert result["auc"].between(0.75, 0.92).all(), result
    quasi = result.set_index("industry").loc["quasi_financial"]
    # its label is enforcement alone (penalties, serious listing): rare, yet enough to judge
    assert quasi["positives"] >= 80


def test_messy_export_is_flagged_by_validate_and_quarantined_by_load(tmp_path):
    spec = SimulationSpec(3000, TINY.start, TINY.end, 9, messy=True)
    out = tmp_path / "messy"
    simulate(spec, out)
    assert (out / "complaints.csv").exists() and not (out / "complaints.parquet").exists()
    raw = (out / "complaints.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    report = validate(out)
    assert not report.ok
    rules = set(report.violations["rule"])
    assert any(r.startswith("duplicate key") for r in rules)
    assert any(r.startswith("uscc") for r in rules)
    sources = load_sources(out)
    assert not sources.quarantine.empty
    assert sources["registrations"]["uscc"].is_unique
    assert sources["registrations"]["registered_capital"].isna().any()


def test_nothing_outside_the_generator_and_oracle_reads_the_truth():
    root = Path(__file__).resolve().parents[2]
    allowed = {root / "features" / "simulate" / "__init__.py",
               root / "features" / "simulate" / "oracle.py",
               root / "training" / "oracle_eval.py"}
    for package in ("features", "training", "serving"):
        for path in (root / package).rglob("*.py"):
            if path not in allowed:
                assert not re.search(r"_truth|latent_risk", path.read_text("utf-8")), path


def test_the_latest_change_of_each_field_is_the_registered_value(market):
    sources = load_sources(market)
    reg = sources["registrations"].set_index("uscc")
    changes = sources["registration_changes"].sort_values(["changed_on", "change_id"])
    for change_type, column in (("legal_rep", "legal_rep_id"), ("address", "address"),
                                ("status", "status")):
        last = changes[changes["change_type"] == change_type].groupby("uscc")["new_value"].last()
        assert (reg.loc[last.index, column] == last).all(), change_type
    exits = changes[changes["change_type"] == "status"]
    assert (exits["old_value"] == "存续").all()
    assert set(exits["new_value"]) <= {"注销", "吊销", "迁出"}
