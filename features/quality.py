"""How good the sources are as a key: credit codes set aside, and how complaints named only by
free text are linked to firms (`features.matching`). Pure summaries for reports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.loading import Sources
from features.matching import match_subjects, normalize_name

MATCH_OUTCOMES = ("named by credit code", "matched by name in its town",
                  "matched by name city-wide (no town)", "ambiguous: several firms of that name",
                  "no registered firm of that name")


def set_aside(sources: Sources) -> pd.DataFrame:
    """Rows the loader set aside, per table, column and rule (credit-code rules among them)."""
    found = sources.quarantine
    counts = found.groupby(["table", "column", "rule"]).agg(
        rows=("row", "nunique"), example=("value", "first"))
    total = pd.Series({t: len(f) for t, f in sources.tables.items()}, name="kept")
    return counts.join(total, on="table").reset_index()


def complaint_links(complaints: pd.DataFrame, registrations: pd.DataFrame) -> pd.DataFrame:
    """Per complaint: `uscc` (the firm it is linked to, or <NA>) and `outcome` (one of
    MATCH_OUTCOMES): why it was or was not linked."""
    linked = match_subjects(complaints, registrations)
    names = normalize_name(registrations["name"])
    subjects = normalize_name(complaints["subject_name"])
    in_town = pd.DataFrame({"name": names, "town": registrations["town_code"]}).value_counts()
    city = names.value_counts()
    town = complaints["town_code"]
    has_town = town.notna().to_numpy()
    same = np.where(
        has_town,
        in_town.reindex(pd.MultiIndex.from_arrays([subjects, town])).fillna(0).to_numpy(),
        city.reindex(subjects).fillna(0).to_numpy())
    named = complaints["uscc"].notna().to_numpy()
    outcome = np.select(
        [named, (same == 1) & has_town, same == 1, same > 1],
        MATCH_OUTCOMES[:4], MATCH_OUTCOMES[4])
    return pd.DataFrame({"uscc": linked.to_numpy(), "outcome": outcome}, index=complaints.index)


def link_summary(links: pd.DataFrame) -> pd.DataFrame:
    """Complaints per link outcome, with their share, in MATCH_OUTCOMES order."""
    counts = links["outcome"].value_counts().reindex(list(MATCH_OUTCOMES), fill_value=0)
    return pd.DataFrame({"complaints": counts, "share": counts / max(len(links), 1)})
