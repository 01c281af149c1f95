"""The scheduling library: lawful, reproducible plans over random rosters and firm lists."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.towns import TOWN_CODES, neighbours
from serving.scheduling.assign import REASONS
from serving.scheduling.calendar import working_days
from serving.scheduling.draw import DEFAULT_RATIOS, draw_random
from serving.scheduling.plan import PUBLIC_COLUMNS, PlanRequest, make_plan, public_view
from serving.scheduling.synthetic import CAPACITY, firms_of, roster_of

BORDERS = neighbours()


@st.composite
def worlds(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    towns = list(rng.choice(TOWN_CODES, size=draw(st.integers(1, 5)), replace=False))
    start = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 330)))
    span = draw(st.integers(1, 35))
    firms = firms_of(rng, draw(st.integers(20, 400)), towns)
    roster = roster_of(rng, draw(st.integers(2, 25)), towns, start, span)
    recent = firms["uscc"].sample(frac=0.3, random_state=seed % 1000).tolist()
    recusals = pd.DataFrame({"uscc": firms["uscc"].sample(frac=0.2, random_state=1).tolist()})
    recusals["inspector_id"] = rng.choice(roster["inspector_id"], size=len(recusals))
    request = PlanRequest(start, start + timedelta(days=span - 1), seed, CAPACITY,
                          targeted_share=draw(st.floats(0, 1)), reach=draw(st.integers(0, 1)),
                          solve_seconds=0.5)
    return firms, roster, recent, recusals, request


def _reachable(own: str, reach: int) -> set[str]:
    towns = set(own.split("|"))
    return towns | {n for t in towns for n in BORDERS[t]} if reach else towns


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_every_plan_keeps_the_law_and_the_roster(world):
    firms, roster, recent, recusals, request = world
    confirmed = list(firms["uscc"][:3])
    plan = make_plan(firms, roster, request, recent, recusals, confirmed, BORDERS)
    visits = plan.visits
    assert not visits["uscc"].duplicated().any()
    workdays = set(working_days(request.start, request.end))
    by_id = roster.set_index("inspector_id")
    recused = set(zip(recusals["uscc"], recusals["inspector_id"], strict=True))
    for v in visits.itertuples():
        a, b = v.inspector_ids
        assert a != b and v.date in workdays
        for who in (a, b):
            me = by_id.loc[who]
            assert v.town_code in _reachable(me["towns"], request.reach)
            assert v.industry in me["industries"].split("|")
            assert str(v.date) not in (me["unavailable_dates"] or "").split("|")
            assert (v.uscc, who) not in recused
    load = visits.explode("inspector_ids").groupby(["inspector_ids", "date"]).size()
    for (who, _), n in load.items():
        assert n <= by_id.loc[who, "visits_per_day"]
    redrawn = visits.loc[(visits["kind"] == "random") & visits["uscc"].isin(recent)]
    assert (redrawn["tier"] == "D").all()
    assert set(visits["kind"]) <= {"random", "targeted"}
    _nothing_dropped_or_swapped(plan, firms, roster, recent, request, confirmed)
    again = make_plan(firms, roster, request, recent, recusals, confirmed, BORDERS)
    pd.testing.assert_frame_equal(plan.visits, again.visits)
    pd.testing.assert_frame_equal(plan.unplaced, again.unplaced)
    public = public_view(plan, dict(zip(firms["uscc"], firms["uscc"], strict=True)),
                         dict(zip(roster["inspector_id"], roster["name"], strict=True)))
    assert list(public.columns) == PUBLIC_COLUMNS and len(public) == len(visits)
    assert "tier" not in public and "probability" not in public


def _nothing_dropped_or_swapped(plan, firms, roster, recent, request, confirmed):
    """Every wanted visit is placed or listed with its reason; the random visits are exactly
    the draw (none swapped for a convenient firm); every confirmed firm is wanted."""
    missed = plan.unplaced
    assert set(missed["reason"]) <= set(REASONS)
    assert not set(missed["uscc"]) & set(plan.visits["uscc"])
    both = pd.concat([plan.visits, missed])
    assert set(confirmed) <= set(both["uscc"])
    rng = np.random.default_rng(request.seed)
    ordered = firms.sort_values("uscc", kind="stable").reset_index(drop=True)
    span = (request.end - request.start).days + 1
    drawn, _ = draw_random(ordered, ordered["uscc"].isin(set(recent)).to_numpy(),
                           request.ratios, span / 365.25, rng)
    assert set(both.loc[both["kind"] == "random", "uscc"]) == set(drawn["uscc"])
    summary = plan.summary
    assert summary["wanted"] == len(both) and summary["unplaced"] == len(missed)
    for kind in ("random", "targeted"):
        assert summary["by_kind"][kind]["wanted"] == int((both["kind"] == kind).sum())
    by_id = roster.set_index("inspector_id")
    for v in missed.loc[missed["reason"] == "no_qualified_pair"].itertuples():
        able = [w for w in by_id.index if v.industry in by_id.loc[w, "industries"].split("|")
                and v.town_code in _reachable(by_id.loc[w, "towns"], request.reach)]
        assert len(able) < 2


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(30, 300))
def test_inclusion_probabilities_match_how_often_firms_are_drawn(seed, n):
    rng = np.random.default_rng(seed)
    firms = firms_of(rng, n, list(TOWN_CODES[:3]))
    recent = rng.random(n) < 0.3
    counts = np.zeros(n)
    rounds = 250
    for r in range(rounds):
        drawn, targets = draw_random(firms, recent, DEFAULT_RATIOS, 0.25,
                                     np.random.default_rng([seed, r]))
        counts[firms["uscc"].isin(drawn["uscc"]).to_numpy()] += 1
    stratum = ["industry", "tier", "town_code"]
    prob = firms.merge(targets[[*stratum, "inclusion_prob"]], on=stratum, how="left")[
        "inclusion_prob"].to_numpy()
    prob = np.where(recent & (firms["tier"] != "D").to_numpy(), 0.0, prob)  # not eligible
    sd = np.sqrt(prob * (1 - prob) / rounds)
    assert (np.abs(counts / rounds - prob) <= 5 * sd + 0.01).all()


def test_random_counts_per_tier_stay_within_binomial_tolerance():
    rng = np.random.default_rng(11)
    towns = list(TOWN_CODES[:8])
    firms = firms_of(rng, 20_000, towns)
    roster = roster_of(rng, 400, towns, date(2025, 3, 1), 31)
    roster["visits_per_day"] = 20
    roster["unavailable_dates"] = ""
    request = PlanRequest(date(2025, 3, 1), date(2025, 3, 31), 5, CAPACITY)
    plan = make_plan(firms, roster, request)
    assert plan.summary["unplaced"] == 0
    strata = pd.DataFrame(plan.summary["random_by_stratum"])
    frac = strata["target"] - np.floor(strata["target"])
    for tier, rows in strata.groupby("tier"):
        sd = float(np.sqrt((frac[rows.index] * (1 - frac[rows.index])).sum()))
        assert abs(rows["planned"].sum() - rows["target"].sum()) <= 4 * sd + 1, tier
        assert rows["planned"].sum() > 0  # no tier goes unsampled


def test_the_mixed_plan_finds_more_than_a_random_plan_of_the_same_size():
    rng = np.random.default_rng(3)
    towns = list(TOWN_CODES[:6])
    firms = firms_of(rng, 5_000, towns)
    roster = roster_of(rng, 120, towns, date(2025, 6, 1), 30)
    plan = make_plan(firms, roster, PlanRequest(date(2025, 6, 1), date(2025, 6, 30), 9,
                                                CAPACITY))
    found = plan.summary["expected_violations"]
    assert found["pure_random"] < found["plan"] <= found["pure_top_k"]
    assert all(v["planned"] > 0 for v in plan.summary["random_by_tier"].values())
    random = plan.visits.loc[plan.visits["kind"] == "random"]
    assert (random["inclusion_prob"].between(0, 1, inclusive="right")).all()


def test_bad_ratios_and_periods_are_refused_with_the_field_named():
    import pytest

    firms = firms_of(np.random.default_rng(0), 50, list(TOWN_CODES[:2]))
    roster = roster_of(np.random.default_rng(0), 4, list(TOWN_CODES[:2]), date(2025, 1, 1), 5)
    with pytest.raises(ValueError, match=r"ratios\.A"):
        make_plan(firms, roster, PlanRequest(date(2025, 1, 1), date(2025, 1, 31), 1, CAPACITY,
                                             ratios={"A": 0, "B": .1, "C": .4, "D": .8}))
    with pytest.raises(ValueError, match="end"):
        make_plan(firms, roster, PlanRequest(date(2025, 2, 1), date(2025, 1, 1), 1, CAPACITY))


def test_config_adds_days_the_official_calendar_lacks():
    from serving.scheduling.calendar import overrides_from

    overrides = overrides_from(holidays=["2025-03-03"], workdays=["2025-03-01"])
    days = working_days(date(2025, 3, 1), date(2025, 3, 4), overrides)
    assert days == [date(2025, 3, 1), date(2025, 3, 4)]  # Saturday worked, Monday off
    assert date(2025, 10, 1) not in working_days(date(2025, 9, 28), date(2025, 10, 8))
    assert date(2025, 9, 28) in working_days(date(2025, 9, 28), date(2025, 10, 8))  # 调休


def test_plan_requests_take_the_configured_defaults():
    from features.industries import default_config
    from serving.workspace.planning import plan_request

    config = default_config().scheduling
    request = plan_request(date(2026, 1, 5), date(2026, 1, 30), 1)
    assert dict(request.ratios) == dict(config.ratios)
    assert request.targeted_share == config.targeted_share
    assert request.capacity["food"] == default_config().industries["food"].monthly_capacity


def test_when_capacity_binds_confirmed_then_targeted_then_random_are_placed():
    rng = np.random.default_rng(4)
    town = TOWN_CODES[0]
    firms = firms_of(rng, 400, [town]).assign(industry="food")
    roster = pd.DataFrame({"inspector_id": ["I1", "I2"], "name": ["甲", "乙"],
                           "towns": [town, town], "industries": ["food", "food"],
                           "visits_per_day": [1, 1], "unavailable_dates": ["", ""]})
    quiet = firms.sort_values("probability")["uscc"].iloc[0]  # never targeted on its own
    request = PlanRequest(date(2025, 3, 3), date(2025, 3, 7), 1, {"food": 60.0},
                          ratios={"A": 1, "B": 1, "C": 1, "D": 1}, targeted_share=1.0)
    plan = make_plan(firms, roster, request, confirmed=[quiet])
    assert len(plan.visits) == 5  # two inspectors, one visit a day, five working days
    assert quiet in set(plan.visits["uscc"])
    assert set(plan.unplaced["reason"]) == {"capacity"}
    wanted = plan.summary["by_kind"]
    assert wanted["random"]["wanted"] > 0 and wanted["targeted"]["wanted"] > 4
    assert (plan.visits["kind"] == "targeted").all()  # no random visit while targeted wait
    left = plan.unplaced.loc[plan.unplaced["kind"] == "targeted", "probability"]
    placed = plan.visits.loc[~plan.visits["confirmed"], "probability"]
    assert left.max() <= placed.min()  # the most probable targeted visits go first
