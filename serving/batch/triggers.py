"""The nightly `triggers` step: the early-warning rules over the sources as of the night's date,
their firings stored as warnings of kind `trigger` (`serving.store.trigger_warnings`). The area
rules' firings (a town × industry, no firm to visit) are the step's detail: nightly prints them
and the monthly report counts them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from features.industries import INDUSTRY_KEYS, default_config, industry_of
from features.triggers import TriggerConfig, detect, detect_areas
from serving.store import trigger_warnings

FIRM_COLUMNS = ("uscc", "name", "industry", "town_code")


def with_firms(firings: pd.DataFrame, registrations: pd.DataFrame) -> pd.DataFrame:
    """The firings with each firm's name, industry (None outside the watched ones) and town."""
    firms = registrations[["uscc", "name", "industry_code", "town_code"]].drop_duplicates("uscc")
    industry = industry_of(firms["industry_code"], default_config()).astype(object)
    firms = firms.assign(industry=industry.where(industry.isin(INDUSTRY_KEYS), None))
    return firings.merge(firms[list(FIRM_COLUMNS)], on="uscc", how="inner")


def triggers_run(engine: Engine, tables: dict[str, pd.DataFrame], as_of: date,
                 config: TriggerConfig | None = None) -> dict[str, Any]:
    """Detect and store; what happened, per rule and in all, and the areas in surge."""
    firings = with_firms(detect(tables, pd.Timestamp(as_of), config), tables["registrations"])
    done = trigger_warnings.record_firings(engine, as_of, firings)
    by_rule = {str(k): int(v) for k, v in firings["rule"].value_counts().sort_index().items()}
    areas = detect_areas(tables, pd.Timestamp(as_of), config)
    return {"firings": len(firings), "opened": done.opened, "refreshed": done.refreshed,
            "kept_closed": done.kept_closed, "by_rule": by_rule, "area_firings": len(areas),
            "areas": area_records(areas)}


def area_records(areas: pd.DataFrame) -> list[dict[str, Any]]:
    """The area firings as JSON-ready records (kept in the step's detail)."""
    keep = ["rule", "town_code", "industry", "complaints", "expected", "upper_limit", "text_zh"]
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in areas.loc[:, keep].to_dict("records")]
