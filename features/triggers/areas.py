"""Sudden growth of complaints in an area (区域投诉举报激增): a town × industry's complaints and
reports in the window against the area's own rate over the year before (or the same weeks a
year earlier, in a season), on a Poisson control chart (fires above the 1 - alpha upper
limit). An area is not a firm: its firings go to the nightly output and the monthly report,
never to the firm queue."""

from __future__ import annotations

import pandas as pd
from scipy.stats import poisson

from features.industries import default_config, industry_of
from features.triggers.complaints import counted_complaints
from features.triggers.config import AreaComplaintSurge

AREA_COLUMNS = ("town_code", "industry", "rule", "complaints", "expected", "upper_limit",
                "latest_event_on", "text_zh", "text_en")
TOP_CATEGORIES = 3  # the categories named in a firing's text


def _top_categories(recent: pd.DataFrame) -> pd.Series:
    """Per area, its most frequent categories in the window, e.g. "价格 12、质量 8"."""
    sizes = recent.groupby(["town_code", "industry", "category"]).size().rename("n")
    counts = sizes.reset_index().sort_values(["n", "category"], ascending=[False, True])
    top = counts.groupby(["town_code", "industry"]).head(TOP_CATEGORIES)
    text = top["category"].astype(str) + " " + top["n"].astype(str)
    return text.groupby([top["town_code"], top["industry"]]).agg("、".join)


def area_complaint_surge(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                         rule: AreaComplaintSurge) -> pd.DataFrame:
    """Areas (town_code, industry) with at least `min_count` complaints in the window, above
    the Poisson upper control limit of their expected count and `min_ratio` times it. Expected:
    the area's rate over the year before the window, or its count in the same weeks a year
    earlier where that is higher (a seasonal peak is not a surge). The industry is the
    complained-of firm's; the town the complaint's (else the firm's)."""
    comp, recent = counted_complaints(tables, as_of, rule.window_days, rule.baseline_days)
    reg = tables["registrations"].drop_duplicates("uscc").set_index("uscc")
    firm = comp["uscc"].astype(str)
    comp = comp.assign(
        industry=industry_of(reg["industry_code"].reindex(firm).reset_index(drop=True),
                             default_config()).to_numpy(),
        town_code=comp["town_code"].fillna(
            pd.Series(reg["town_code"].reindex(firm).to_numpy(), index=comp.index)))
    comp, recent = comp.loc[comp["town_code"].notna()], recent.loc[comp["town_code"].notna()]
    area = [comp["town_code"], comp["industry"]]
    year_ago = comp["known_at"] < as_of - pd.Timedelta(days=rule.baseline_days)
    counts = pd.DataFrame({"complaints": recent.groupby(area).sum(),
                           "before": (~recent).groupby(area).sum(),
                           "year_ago": year_ago.groupby(area).sum()})
    # the area's rate, or the same weeks a year ago if higher (a season: 618, 双11, summer)
    expected = pd.concat([counts["before"] * rule.window_days / rule.baseline_days,
                          counts["year_ago"]], axis=1).max(axis=1).clip(
                              lower=rule.floor_per_window)
    limit = pd.Series(poisson.ppf(1 - rule.alpha, expected), index=counts.index)
    fire = ((counts["complaints"] >= rule.min_count) & (counts["complaints"] > limit)
            & (counts["complaints"] >= rule.min_ratio * expected))
    if not fire.any():
        return pd.DataFrame(columns=list(AREA_COLUMNS))
    out = counts.loc[fire, ["complaints"]].assign(
        expected=expected[fire].round(1), upper_limit=limit[fire].astype(int),
        latest_event_on=comp.loc[recent].groupby(area)["known_at"].max().reindex(
            counts.index[fire]),
        top=_top_categories(comp.loc[recent]).reindex(counts.index[fire]))
    w = rule.window_days
    out["text_zh"] = [f"近{w}天该镇街本行业投诉举报{n}件，此前一年平均每{w}天{e:.1f}件，"
                      f"超出控制上限{u}件（主要类别：{t}）"
                      for n, e, u, t in zip(out["complaints"], out["expected"],
                                            out["upper_limit"], out["top"], strict=True)]
    out["text_en"] = [f"{n} complaints in {w} days in this town and industry against {e:.1f} "
                      f"per {w} days the year before, above the control limit of {u} ({t})"
                      for n, e, u, t in zip(out["complaints"], out["expected"],
                                            out["upper_limit"], out["top"], strict=True)]
    out = out.assign(rule="area_complaint_surge").rename_axis(["town_code", "industry"])
    return out.reset_index().loc[:, list(AREA_COLUMNS)]
