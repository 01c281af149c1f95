"""Matching complaint subjects named only by free text and town to registered firms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_NOISE = r"（[^）]*）|\([^)]*\)|\s+"  # brackets (a branch, a shop) and spaces
_CITY = r"^(广东省)?东莞市"
_SUFFIX = r"(有限责任公司|股份有限公司|有限公司|公司)$"


def normalize_name(names: pd.Series) -> pd.Series:
    """A comparable form: no brackets, city prefix, legal-form suffix or spaces."""
    text = pa.array(names, type=pa.string(), from_pandas=True)
    for pattern in (_NOISE, _CITY, _SUFFIX):
        text = pc.replace_substring_regex(text, pattern, "")
    return pd.Series(pd.array(text, dtype="string"), index=names.index)  # no Python objects


def _unique_rows(keys: pd.DataFrame) -> pd.Series:
    """Row number of each key combination that occurs exactly once (indexed by the key)."""
    once = ~keys.duplicated(keep=False) & (keys >= 0).all(axis=1)
    return pd.Series(np.flatnonzero(once.to_numpy()),
                     index=pd.MultiIndex.from_frame(keys[once]))


def match_subjects(complaints: pd.DataFrame, registrations: pd.DataFrame) -> pd.Series:
    """Each complaint's firm: its own `uscc` when it has one, else the one registered firm whose
    normalised name matches in the complaint's town (or city-wide when the town is missing);
    <NA> where nothing or more than one firm matches."""
    n = len(registrations)
    names = pd.concat([normalize_name(registrations["name"]),
                       normalize_name(complaints["subject_name"])], ignore_index=True)
    towns = pd.concat([registrations["town_code"], complaints["town_code"]], ignore_index=True)
    name_code, town_code = pd.factorize(names)[0], pd.factorize(towns)[0]
    reg = pd.DataFrame({"name": name_code[:n], "town": town_code[:n]})
    probe = pd.DataFrame({"name": name_code[n:], "town": town_code[n:]})
    by_town = _unique_rows(reg).reindex(pd.MultiIndex.from_frame(probe)).to_numpy()
    by_city = _unique_rows(reg[["name"]]).reindex(
        pd.MultiIndex.from_arrays([probe["name"]])).to_numpy()
    row = np.where(probe["town"].to_numpy() >= 0, by_town, by_city)
    rows = np.where(np.isnan(row), -1, row).astype(np.int64)  # -1: no firm matched
    found = pd.Series(registrations["uscc"].array.take(rows, allow_fill=True),
                      index=complaints.index).astype("string")
    return complaints["uscc"].where(complaints["uscc"].notna(), found)
