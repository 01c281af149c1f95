"""Every feature family against values worked out by hand (see fixture_market.py)."""

import math

import numpy as np
import pandas as pd
import pytest

from features.build import build_as_of
from features.loading import load_sources
from features.prepare import prepare
from tests.features.fixture_market import AS_OF, A, B, C, D, write_market


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    sources = load_sources(write_market(tmp_path_factory.mktemp("hand")))
    assert sources.quarantine.empty, sources.quarantine
    built = build_as_of(prepare(sources.tables), AS_OF)
    return pd.concat(built.values()).set_index("uscc")


def test_population_is_the_firms_active_on_the_date(rows):
    assert sorted(rows.index) == sorted([A, B, C, D])  # D deregistered only later


def test_registration_features(rows):
    assert rows.loc[A, "age_days"] == (pd.Timestamp(AS_OF) - pd.Timestamp("2020-01-01")).days
    assert rows.loc[B, "log_capital"] == pytest.approx(math.log1p(500))  # decrease known later
    assert rows.loc[D, "status"] == "存续"
    assert rows.loc[A, "industry_code"] == "6210" and rows.loc[A, "entity_type"] == "有限责任公司"
    a = rows.loc[A]
    assert (a["chg_legal_rep_90d"], a["chg_legal_rep_365d"]) == (1, 1)
    assert (a["chg_address_90d"], a["chg_address_365d"]) == (0, 1)
    assert (a["chg_all_90d"], a["chg_all_365d"]) == (1, 2)
    assert rows.loc[B, "chg_capital_decrease_365d"] == 0


def test_related_firms(rows):
    assert rows.loc[A, ["addr_firms", "addr_firms_penalised", "addr_firms_listed"]].tolist() \
        == [1, 1, 1]
    assert rows.loc[B, ["addr_firms", "addr_firms_penalised", "addr_firms_listed"]].tolist() \
        == [1, 1, 0]
    assert rows.loc[C, ["rep_firms", "rep_firms_penalised", "rep_firms_listed"]].tolist() \
        == [1, 1, 0]
    assert rows.loc[D, ["addr_firms", "rep_firms"]].tolist() == [0, 0]


def test_penalty_features(rows):
    a, b = rows.loc[A], rows.loc[B]
    assert [a[f"pen_{d}d"] for d in (90, 365, 1095)] == [1, 1, 2]  # not the one on the date
    assert (a["pen_max_severity"], a["pen_fine_total"], a["pen_days_since_last"]) == (2, 2.0, 12)
    assert [b[f"pen_{d}d"] for d in (90, 365, 1095)] == [0, 0, 1]
    assert (b["pen_max_severity"], b["pen_days_since_last"]) == (3, 366)
    assert np.isnan(rows.loc[C, "pen_days_since_last"]) and rows.loc[C, "pen_1095d"] == 0


def test_complaint_features(rows):
    a = rows.loc[A]
    assert [a[f"comp_{d}d"] for d in (30, 90, 365)] == [1, 2, 3]  # one matched by name only
    assert a["comp_trend"] == pytest.approx(3 / (1 / 3 + 1))
    assert (a["comp_food_safety_365d"], a["comp_hygiene_365d"], a["comp_other_365d"]) == (2, 1, 0)
    assert a["comp_substantiated_share"] == 0.5
    assert a["comp_rate_vs_peer"] == pytest.approx(4 / 2.5)  # median of A (3) and B (0)
    assert rows.loc[B, "comp_rate_vs_peer"] == pytest.approx(1 / 2.5)
    assert np.isnan(rows.loc[B, "comp_substantiated_share"])


def test_inspection_features(rows):
    a = rows.loc[A]
    assert [a["insp_random"], a["insp_random_violations"], a["insp_targeted"],
            a["insp_targeted_violations"]] == [1, 1, 1, 0]
    assert (a["insp_days_since_last"], a["insp_violation_share"]) == (12, 0.5)
    assert rows.loc[B, "insp_random_violations"] == 1
    assert np.isnan(rows.loc[C, "insp_days_since_last"])


def test_listing_features(rows):
    a, b, d = rows.loc[A], rows.loc[B], rows.loc[D]
    assert (a["abn_listed_now"], a["abn_times_listed"], a["abn_latest_reason"]) \
        == (0, 1, "annual_report")
    assert (b["abn_listed_now"], b["abn_latest_reason"]) == (1, "unreachable")
    assert (d["serious_listed"], d["abn_times_listed"], d["abn_latest_reason"]) == (1, 0, "none")
    assert b["abn_open_days"] == 182  # open since 2023-07-03
    assert np.isnan(a["abn_open_days"]) and np.isnan(d["abn_open_days"])  # none open


def test_labels(rows, tmp_path):
    a, b, d = rows.loc[A], rows.loc[B], rows.loc[D]
    # food's probability is that an inspection within the next month finds a problem: A's
    # random visit on 2024-02-01 is in its 180-day label window but not in the next month
    assert a["label"] == 1 and np.isnan(a["label_random"])
    assert b["label"] == 0 and np.isnan(b["label_random"])
    assert d["label"] == 0  # its serious listing was known before the date
    prep = prepare(load_sources(write_market(tmp_path)).tables)
    mid = build_as_of(prep, "2024-01-15")["food"].set_index("uscc").loc[A]
    assert (mid["label"], mid["label_random"], mid["random_inclusion_prob"]) == (1, 1, 0.2)


def test_labels_are_null_when_the_window_passes_the_data_end(tmp_path):
    prep = prepare(load_sources(write_market(tmp_path)).tables)
    # the data end 2025-01-01: a 180-day label window from 2024-12-01 passes it, and so
    # does the next month from 2024-12-15
    assert build_as_of(prep, "2024-12-01")["food"]["label"].isna().all()
    late = build_as_of(prep, "2024-12-15")["food"]
    assert late["label"].isna().all() and late["label_random"].isna().all()
    assert late["random_inclusion_prob"].isna().all()


def test_online_rows_equal_batch_rows(rows, tmp_path):
    prep = prepare(load_sources(write_market(tmp_path)).tables)
    one = build_as_of(prep, AS_OF, ["food"], only=[B])["food"].set_index("uscc")
    pd.testing.assert_frame_equal(one, rows.loc[[B], one.columns], check_dtype=False)


def test_every_partition_has_the_same_schema_even_before_any_event(tmp_path):
    prep = prepare(load_sources(write_market(tmp_path)).tables)
    early = build_as_of(prep, "2019-06-01")["quasi_financial"]  # D exists, no events yet
    late = build_as_of(prep, AS_OF)["quasi_financial"]
    assert early.dtypes.to_dict() == late.dtypes.to_dict()


def test_rows_carry_no_identifying_keys_beyond_uscc_and_town(rows):
    assert not {"address", "legal_rep_id", "industry", "_penalised", "_listed"} & set(rows.columns)
