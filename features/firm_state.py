"""A firm's registered state on any date, from its registration and its changes.

The registration table is today's snapshot; a change known on or after `as_of` did not yet
exist on `as_of`, so the earliest such change's `old_value` is what the register said then.
`RegisterHistory` sorts the changes once; each as-of date is then a few array operations.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from features.contracts import ACTIVE_STATUSES
from features.windows import day_of, days

# change type -> the registration column it changes
TRACKED = {"status": "status", "legal_rep": "legal_rep_id", "address": "address",
           "capital_increase": "registered_capital", "capital_decrease": "registered_capital"}


def firm_ids(registrations: pd.DataFrame, *codes: pd.Series) -> list[np.ndarray]:
    """For each series of codes, the row number in `registrations` of every code (-1 where
    not registered); all series are looked up in one pass."""
    encoded = _one_array((registrations["uscc"], *codes)).dictionary_encode()
    index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    row_of = np.full(len(encoded.dictionary) + 1, -1, dtype=np.int64)
    n = len(registrations)
    row_of[index[:n][::-1]] = np.arange(n)[::-1]  # the first row of a repeated code wins
    bounds = np.cumsum([n, *(len(c) for c in codes)])
    return [row_of[index[lo:hi]] for lo, hi in itertools.pairwise(bounds)]


def _one_array(columns: Sequence[pd.Series]) -> pa.Array:
    """The columns' texts end to end as one Arrow array: dictionary-encoding an array of many
    chunks unifies a growing dictionary per chunk (seconds for a city's codes)."""
    pieces: list[pa.Array] = []
    for column in columns:
        text = pa.array(column, type=pa.large_string(), from_pandas=True)
        pieces.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
    return pa.concat_arrays(pieces) if pieces else pa.array([], pa.large_string())


def hash_keys(values: pd.Series) -> np.ndarray:
    """A stable 64-bit key per text value (0 for a missing one), the same in any process."""
    codes, uniques = pd.factorize(values)  # hash each distinct text once
    hashed = pd.util.hash_array(np.asarray(uniques, dtype=object), categorize=False)
    # one extra slot for the missing values (code -1), so an all-missing column indexes safely
    keys = np.append(hashed.view(np.int64), np.int64(0))
    return keys[np.where(codes >= 0, codes, len(uniques))]


@dataclass
class FieldHistory:
    """One registered field: its current value per firm and its changes, sorted by firm/day."""

    current: np.ndarray  # value codes (or floats for capital), one per firm
    firm: np.ndarray
    day: np.ndarray
    old: np.ndarray
    values: np.ndarray | None  # code -> value (None: the arrays hold the values themselves)

    def codes_as_of(self, day: int) -> np.ndarray:
        """Every firm's value (its code where `values` maps codes) on `day`."""
        later = self.day >= day
        firm, old = self.firm[later], self.old[later]
        first = np.flatnonzero(np.r_[True, firm[1:] != firm[:-1]]) if len(firm) else firm
        out = self.current.copy()
        out[firm[first]] = old[first]
        return out

    def as_of(self, day: int) -> np.ndarray:
        out = self.codes_as_of(day)
        return out if self.values is None else self.values[out]

    def codes_at(self, firms: np.ndarray, on: np.ndarray) -> np.ndarray:
        """The value (code) of each firm `firms[i]` on day `on[i]`: the old value of its
        earliest change known on or after that day, else the current one."""
        stride = np.int64(1 << 32)
        keys = self.firm * stride + self.day  # sorted: by firm, then day
        probe = firms * stride + on
        at = np.searchsorted(keys, probe, side="left")
        inside = np.minimum(at, max(len(keys) - 1, 0))
        hit = (at < len(keys)) & (self.firm[inside] == firms) if len(keys) else at < 0
        return np.where(hit, self.old[inside] if len(keys) else 0, self.current[firms])


@dataclass
class RegisterHistory:
    registered: np.ndarray  # the day each firm's registration became known
    fields: dict[str, FieldHistory]

    @classmethod
    def from_tables(cls, registrations: pd.DataFrame, changes: pd.DataFrame,
                    hashed: tuple[str, ...] = (), ids: np.ndarray | None = None
                    ) -> RegisterHistory:
        """Sort the changes of each tracked field; `hashed` text fields are kept as 64-bit
        keys (see `hash_keys`) rather than text, for fast grouping. `ids`: the changes' firm
        ids (`firm_ids`) where the caller has them already."""
        ids = firm_ids(registrations, changes["uscc"])[0] if ids is None else ids
        fields: dict[str, FieldHistory] = {}
        for column in dict.fromkeys(TRACKED.values()):
            types = [t for t, c in TRACKED.items() if c == column]
            rows = changes.loc[changes["change_type"].isin(types) & (ids >= 0)]
            firm = ids[changes["change_type"].isin(types).to_numpy() & (ids >= 0)]
            order = np.lexsort((np.arange(len(rows)), days(rows["known_at"]), firm))
            day, firm = days(rows["known_at"])[order], firm[order]
            if column == "registered_capital":
                old = pd.to_numeric(rows["old_value"], errors="coerce").to_numpy(float)[order]
                current = registrations[column].to_numpy(dtype=float)
                fields[column] = FieldHistory(current, firm, day, old, None)
                continue
            if column in hashed:
                fields[column] = FieldHistory(hash_keys(registrations[column]), firm, day,
                                              hash_keys(rows["old_value"])[order], None)
                continue
            both = pd.concat([registrations[column], rows["old_value"]], ignore_index=True)
            codes, uniques = pd.factorize(both, use_na_sentinel=False)
            values = np.asarray(uniques, dtype=object)
            n = len(registrations)
            fields[column] = FieldHistory(codes[:n], firm, day, codes[n:][order], values)
        return cls(days(registrations["known_at"]), fields)

    def as_of(self, registrations: pd.DataFrame, as_of: pd.Timestamp,
              statuses: Sequence[str] | None = None) -> pd.DataFrame:
        """Firms registered before `as_of` (with a status of `statuses` then, if given), with
        their fields as the register showed them; the rows are taken once."""
        day = day_of(as_of)
        keep = self.registered < day
        if statuses is not None:
            status = self.fields["status"]
            assert status.values is not None  # statuses are codes of text values
            allowed = np.flatnonzero(pd.Index(status.values).isin(list(statuses)))
            keep &= np.isin(status.codes_as_of(day), allowed)
        rows = np.flatnonzero(keep)
        firms = registrations.take(rows)
        for column, history in self.fields.items():
            firms[column] = history.as_of(day)[rows]
        return firms


def state_as_of(registrations: pd.DataFrame, changes: pd.DataFrame,
                as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms registered before `as_of` (known_at < as_of), with status, representative,
    address and capital as the register showed them then. The index is kept."""
    return RegisterHistory.from_tables(registrations, changes).as_of(registrations, as_of)


def active_as_of(registrations: pd.DataFrame, changes: pd.DataFrame,
                 as_of: pd.Timestamp) -> pd.DataFrame:
    """Firms in business on `as_of` (status 存续 or 在营 as the register showed it then)."""
    firms = state_as_of(registrations, changes, as_of)
    return firms.loc[firms["status"].isin(ACTIVE_STATUSES)]
