"""Sudden growth of complaints (投诉举报激增): a firm's complaints and reports in the window
against its own rate over the year before, by a Poisson upper-tail test."""

from __future__ import annotations

import pandas as pd
from scipy.stats import poisson

from features.matching import match_subjects
from features.triggers.config import ComplaintSurge
from features.triggers.evidence import evidence, firings, known_within

COUNTED_KINDS = ("投诉", "举报")  # complaints and reports; enquiries and suggestions are not


def counted_complaints(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, window_days: int,
                       baseline_days: int) -> tuple[pd.DataFrame, pd.Series]:
    """Complaints and reports known in the window and the baseline before it, each with its
    firm (`uscc`; only those matched to one), and whether each is in the window."""
    comp = known_within(tables["complaints"], as_of, window_days + baseline_days)
    comp = comp.loc[comp["kind"].isin(COUNTED_KINDS)]
    comp = comp.assign(uscc=match_subjects(comp, tables["registrations"]).to_numpy())
    comp = comp.loc[comp["uscc"].notna()]
    return comp, comp["known_at"] >= as_of - pd.Timedelta(days=window_days)


def complaint_surge(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                    rule: ComplaintSurge) -> pd.DataFrame:
    """Firms with at least `min_count` complaints in the window whose count is improbable at
    their own earlier rate (p < alpha; the rate is at least `floor_per_window`)."""
    comp, recent = counted_complaints(tables, as_of, rule.window_days, rule.baseline_days)
    counts = pd.DataFrame({"recent": recent.groupby(comp["uscc"]).sum(),
                           "before": (~recent).groupby(comp["uscc"]).sum()})
    rate = (counts["before"] * rule.window_days / rule.baseline_days).clip(
        lower=rule.floor_per_window)
    p = pd.Series(poisson.sf(counts["recent"] - 1, rate), index=counts.index)
    fire = counts.loc[(counts["recent"] >= rule.min_count) & (p < rule.alpha)]
    rate, p = rate.reindex(fire.index), p.reindex(fire.index)
    w = rule.window_days
    texts = pd.DataFrame({
        "text_zh": [f"近{w}天投诉举报{n}件，此前一年平均每{w}天{r:.1f}件（泊松检验 p={q:.1g}）"
                    for n, r, q in zip(fire["recent"], rate, p, strict=True)],
        "text_en": [f"{n} complaints in {w} days against {r:.1f} per {w} days the year before "
                    f"(Poisson p={q:.1g})" for n, r, q in zip(fire["recent"], rate, p,
                                                              strict=True)],
    }, index=fire.index)
    shown = comp.loc[recent & comp["uscc"].isin(fire.index)]
    rows = evidence(shown["uscc"], shown["received_at"], "complaints", shown["order_id"],
                    shown["kind"] + "：" + shown["category"].astype(str))
    return firings("complaint_surge", rows, texts)
