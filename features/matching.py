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


def _rows_of_unique(keys: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """For each probe key, the row of `keys` holding it when exactly one row does (-1
    otherwise); keys below 0 (a part missing) match nothing."""
    once = np.flatnonzero(~pd.Series(keys).duplicated(keep=False).to_numpy() & (keys >= 0))
    at = pd.Index(keys[once]).get_indexer(probe)
    return np.where((at >= 0) & (probe >= 0), once[np.maximum(at, 0)], -1)


def match_subjects(complaints: pd.DataFrame, registrations: pd.DataFrame) -> pd.Series:
    """Each complaint's firm: its own `uscc` when it has one, else the one registered firm whose
    normalised name matches in the complaint's town (or city-wide when the town is missing);
    <NA> where nothing or more than one firm matches."""
    n = len(registrations)
    names = pd.concat([normalize_name(registrations["name"]),
                       normalize_name(complaints["subject_name"])], ignore_index=True)
    towns = pd.concat([registrations["town_code"], complaints["town_code"]], ignore_index=True)
    name_code, town_code = pd.factorize(names)[0], pd.factorize(towns)[0]
    towns_seen = int(town_code.max()) + 1 if len(town_code) else 1
    # one int64 key per (name, town); -1 where either is missing
    pair = np.where((name_code >= 0) & (town_code >= 0),
                    name_code.astype(np.int64) * towns_seen + town_code, -1)
    by_town = _rows_of_unique(pair[:n], pair[n:])
    by_city = _rows_of_unique(name_code[:n].astype(np.int64), name_code[n:].astype(np.int64))
    rows = np.where(town_code[n:] >= 0, by_town, by_city)  # -1: no firm matched
    found = pd.Series(registrations["uscc"].array.take(rows, allow_fill=True),
                      index=complaints.index).astype("string")
    return complaints["uscc"].where(complaints["uscc"].notna(), found)
