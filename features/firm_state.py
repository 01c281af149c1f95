"""A firm's registered state on any date, from its registration and its changes.

The registration table is today's snapshot; a change known on or after `as_of` did not yet
exist on `as_of`, so its `old_value` is what the register said then.
"""

from __future__ import annotations

import pandas as pd

from features.contracts import ACTIVE_STATUSES

_FIELDS = {"status": "status", "legal_rep": "legal_rep_id", "address": "address"}


def state_as_of(registrations: pd.DataFrame, changes: pd.DataFrame,
                as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms registered before `as_of` (known_at < as_of), with status, representative,
    address and capital as the register showed them then. The index is kept."""
    as_of = pd.Timestamp(as_of)
    firms = registrations.loc[registrations["known_at"] < as_of].copy()
    later = changes.loc[changes["known_at"] >= as_of]
    first_later = later.sort_values(["known_at", "change_id"]).drop_duplicates(
        ["uscc", "change_type"], keep="first"
    )
    for change_type, column in _FIELDS.items():
        rows = first_later.loc[first_later["change_type"] == change_type]
        old = firms["uscc"].map(rows.set_index("uscc")["old_value"])
        firms[column] = old.where(firms["uscc"].isin(rows["uscc"]), firms[column])
    capital = first_later.loc[first_later["change_type"].isin(["capital_increase",
                                                               "capital_decrease"])]
    capital = capital.sort_values("known_at").drop_duplicates("uscc", keep="first")
    old_capital = pd.to_numeric(firms["uscc"].map(capital.set_index("uscc")["old_value"]),
                                errors="coerce")
    firms["registered_capital"] = old_capital.where(old_capital.notna(),
                                                    firms["registered_capital"])
    return firms


def active_as_of(registrations: pd.DataFrame, changes: pd.DataFrame,
                 as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms in business on `as_of` (status 存续 or 在营 as the register showed it then)."""
    firms = state_as_of(registrations, changes, as_of)
    return firms.loc[firms["status"].isin(ACTIVE_STATUSES)]
