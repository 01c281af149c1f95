"""Early-warning triggers: rules over the source events, each firing with the events that made
it fire. Pure and vectorised: tables and an as-of date in, one row per firm and rule out
(`evidence.FIRING_COLUMNS`), and one row per area (town × industry) and rule for the rules
over areas (`areas.AREA_COLUMNS`). Thresholds come from features/triggers.yaml (`config`)."""

from __future__ import annotations

import pandas as pd

from features.triggers.areas import AREA_COLUMNS, area_complaint_surge
from features.triggers.complaints import complaint_surge
from features.triggers.config import TriggerConfig, default_config, load_config
from features.triggers.evidence import FIRING_COLUMNS
from features.triggers.registration import (
    cluster_registration,
    one_rep_many_firms,
    phoenix_firm,
    quasi_financial_scope,
    repeated_changes,
)

RULES = ("complaint_surge", "cluster_registration", "one_rep_many_firms", "phoenix_firm",
         "repeated_changes", "quasi_financial_scope")
AREA_RULES = ("area_complaint_surge",)
__all__ = ["AREA_COLUMNS", "AREA_RULES", "FIRING_COLUMNS", "RULES", "TriggerConfig", "detect",
           "detect_areas", "load_config"]


def detect(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
           config: TriggerConfig | None = None) -> pd.DataFrame:
    """Every rule's firings on `as_of`, from what the bureau knew before that day."""
    config = config or default_config()
    found = [complaint_surge(tables, as_of, config.complaint_surge),
             cluster_registration(tables, as_of, config.cluster_registration),
             one_rep_many_firms(tables, as_of, config.one_rep_many_firms),
             phoenix_firm(tables, as_of, config.phoenix_firm),
             repeated_changes(tables, as_of, config.repeated_changes),
             quasi_financial_scope(tables, as_of, config.quasi_financial_scope)]
    found = [f for f in found if not f.empty]
    if not found:
        return pd.DataFrame(columns=list(FIRING_COLUMNS))
    return pd.concat(found, ignore_index=True)


def detect_areas(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp,
                 config: TriggerConfig | None = None) -> pd.DataFrame:
    """The area rules' firings on `as_of`: one row per town, industry and rule."""
    config = config or default_config()
    return area_complaint_surge(tables, as_of, config.area_complaint_surge)
