"""Feature families from event history: penalties, complaints, inspections, listings.

Each family takes the prepared arrays and an as-of day and returns one array per feature, one
entry per registered firm, computed only from events known before the as-of day. Missing
history is a value: counts are 0, "days since" and shares are NaN.
"""

from __future__ import annotations

import numpy as np

from features.contracts import INSPECTION_KINDS, VISIT_KINDS
from features.prepare import COUNTED, Prepared
from features.windows import (
    count,
    count_within,
    days_since,
    edge_value,
    known_before,
    last_day,
    latest_value,
    max_value,
    share,
)

Columns = dict[str, np.ndarray]


def penalty_features(prep: Prepared, as_of: int) -> Columns:
    ev, n = prep.events["penalties"], prep.size
    known = known_before(ev, as_of)
    out = {f"pen_{d}d": count_within(ev, known, as_of, d, n) for d in (90, 365, 1095)}
    out["pen_max_severity"] = max_value(ev["firm"][known], ev["severity"][known], n).astype(float)
    out["pen_fine_total"] = count(ev["firm"][known], n, ev["fine"][known])
    out["pen_days_since_last"] = days_since(last_day(ev, known, n), as_of)
    return out


def complaint_features(prep: Prepared, as_of: int) -> Columns:
    ev, n = prep.events["complaints"], prep.size
    known = known_before(ev, as_of)
    out = {f"comp_{d}d": count_within(ev, known, as_of, d, n) for d in (30, 90, 365)}
    earlier = out["comp_365d"] - out["comp_90d"]  # the 270 days before the last 90
    out["comp_trend"] = (out["comp_90d"] + 1) / (earlier / 3 + 1)
    for i, group in enumerate(prep.category_groups):
        out[f"comp_{group}_365d"] = count_within(ev, known, as_of, 365, n, ev["group"] == i)
    judged = known & ~np.isnan(ev["substantiated"])
    upheld = count(ev["firm"][judged], n, ev["substantiated"][judged])
    out["comp_substantiated_share"] = share(upheld, count(ev["firm"][judged], n))
    return out


def inspection_features(prep: Prepared, as_of: int) -> Columns:
    """Visits per kind and what they found; where the data set records them, the ungraded
    and graded counts and the score history."""
    ev = prep.events["inspections"]
    known = known_before(ev, as_of)
    out = visit_kind_features(prep, as_of, known)
    out["insp_days_since_last"] = days_since(last_day(ev, known, prep.size), as_of)
    if "outcome_known" in ev:
        judged = known & ev["outcome_known"]
        out["insp_violation_share"] = share(count(ev["firm"][judged & ev["violation"]],
                                                  prep.size), count(ev["firm"][judged], prep.size))
    out.update(graded_inspection_features(prep, as_of, known))
    out.update(score_features(prep, as_of, known))
    return out


def visit_kind_features(prep: Prepared, as_of: int, known: np.ndarray) -> Columns:
    """Per kind of visit (random and targeted always; a city's routine, follow-up, complaint
    and licence visits where the data has any): visits, those that found a violation (where
    outcomes are recorded), and days since the last one."""
    ev, n = prep.events["inspections"], prep.size
    out: Columns = {}
    for i, kind in enumerate(VISIT_KINDS):
        if kind not in INSPECTION_KINDS and i not in prep.visit_kinds:
            continue
        mine = known & (ev["kind"] == i)
        out[f"insp_{kind}"] = count(ev["firm"][mine], n).astype(float)
        if "outcome_known" in ev:
            found = mine & ev["violation"]
            out[f"insp_{kind}_violations"] = count(ev["firm"][found], n).astype(float)
        out[f"insp_days_since_{kind}"] = days_since(last_day(ev, mine, n), as_of)
    return out


def graded_inspection_features(prep: Prepared, as_of: int, known: np.ndarray) -> Columns:
    """Where the source counts violations (graded by severity, or ungraded as `violations`):
    the counts found at the latest visit (empty before the first) and in the last year.
    Nothing for sources that do not count them."""
    ev, n = prep.events["inspections"], prep.size
    out: Columns = {}
    for level in COUNTED:
        if level not in ev:
            continue
        graded = known & ~np.isnan(ev[level])
        out[f"insp_last_{level}"] = edge_value(ev, graded, ev[level], n, np.nan, latest=True)
        recent = graded & (ev["day"] >= as_of - 365)
        out[f"insp_{level}_365d"] = count(ev["firm"][recent], n, ev[level][recent])
    return out


def score_features(prep: Prepared, as_of: int, known: np.ndarray) -> Columns:
    """Where the data set declares a score scale: each firm's last, lowest and mean score,
    the trend (the last score minus the mean of the earlier ones) and, with a declared
    failing score, the days since the last failed visit. Empty before the first score."""
    ev, n = prep.events["inspections"], prep.size
    if "score" not in ev:
        return {}
    scored = known & ~np.isnan(ev["score"])
    firm, score = ev["firm"][scored], ev["score"][scored]
    last = edge_value(ev, scored, ev["score"], n, np.nan, latest=True)
    visits = count(firm, n)
    lowest = np.full(n, np.inf)
    np.minimum.at(lowest, firm, score)
    total = count(firm, n, score)
    with np.errstate(invalid="ignore", divide="ignore"):
        earlier = np.where(visits > 1, (total - last) / (visits - 1), np.nan)
    out = {"insp_score_last": last,
           "insp_score_min": np.where(visits > 0, lowest, np.nan),
           "insp_score_mean": share(total, visits),
           "insp_score_trend": last - earlier}
    if prep.meta.inspection_score is not None and prep.meta.inspection_score.fail is not None:
        failed = known & ev["failed"]
        out["insp_days_since_fail"] = days_since(last_day(ev, failed, n), as_of)
    return out


def nearby_complaint_features(prep: Prepared, as_of: int) -> Columns:
    """Complaints about places within `features.nearby.NEARBY_RADIUS_M` of the premises, for
    sources whose complaints carry coordinates (nothing otherwise)."""
    ev, n = prep.events["nearby_complaints"], prep.size  # sorted by day when prepared
    if not len(ev["firm"]):
        return {}
    stop = np.searchsorted(ev["day"], as_of, side="left")
    out = {}
    for d in (30, 90, 365):
        start = np.searchsorted(ev["day"], as_of - d, side="left")
        out[f"near_comp_{d}d"] = count(ev["firm"][start:stop], n).astype(np.float64)
    return out


def listing_features(prep: Prepared, as_of: int) -> Columns:
    ev, n = prep.events["listings"], prep.size
    known = known_before(ev, as_of)
    abnormal = known & ~ev["serious"]
    listed_now = abnormal & (ev["removed"] >= as_of)
    opened = edge_value(ev, listed_now, ev["day"].astype(float), n, np.nan, latest=False)
    return {
        "abn_listed_now": (count(ev["firm"][listed_now], n) > 0).astype(float),
        # days the oldest open listing has been open: after 3 years a firm moves to the
        # serious-violation list (企业信息公示暂行条例 art. 17); empty when none is open
        "abn_open_days": as_of - opened,
        "abn_times_listed": count(ev["firm"][abnormal], n).astype(float),
        "abn_latest_reason": latest_value(ev, abnormal, ev["reason"], n),
        "serious_listed": (count(ev["firm"][known & ev["serious"]], n) > 0).astype(float),
    }
