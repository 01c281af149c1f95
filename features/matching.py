"""Matching complaint subjects named only by free text and town to registered firms."""

from __future__ import annotations

import pandas as pd

_BRACKETS = r"（[^）]*）|\([^)]*\)"
_SUFFIX = r"(有限责任公司|股份有限公司|有限公司|公司)$"


def normalize_name(names: pd.Series) -> pd.Series:
    """A comparable form: no brackets, city prefix, legal-form suffix or spaces."""
    text = names.astype("string").str.replace(_BRACKETS, "", regex=True)
    text = text.str.replace(r"\s+", "", regex=True).str.replace(r"^(广东省)?东莞市", "",
                                                                 regex=True)
    return text.str.replace(_SUFFIX, "", regex=True)


def match_subjects(complaints: pd.DataFrame, registrations: pd.DataFrame) -> pd.Series:
    """Each complaint's firm: its own `uscc` when it has one, else the one registered firm whose
    normalised name matches in the complaint's town (or city-wide when the town is missing);
    <NA> where nothing or more than one firm matches."""
    reg = pd.DataFrame({"key": normalize_name(registrations["name"]),
                        "town_code": registrations["town_code"],
                        "uscc": registrations["uscc"]})
    by_town = reg.drop_duplicates(["key", "town_code"], keep=False)
    by_city = reg.drop_duplicates(["key"], keep=False)
    probe = pd.DataFrame({"key": normalize_name(complaints["subject_name"]),
                          "town_code": complaints["town_code"]})
    in_town = probe.merge(by_town, on=["key", "town_code"], how="left")["uscc"]
    in_city = probe[["key"]].merge(by_city, on="key", how="left")["uscc"]
    found = in_town.where(in_town.notna(), in_city.where(probe["town_code"].isna().to_numpy()))
    found.index = complaints.index
    return complaints["uscc"].where(complaints["uscc"].notna(), found)
