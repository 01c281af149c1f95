"""Vectorised checks of one raw table against its contract.

`check_table` parses each column into its kind and returns the typed table with one row of
violations per broken rule: row (0-based position in the file, header not counted, as pandas
numbers rows), column, value and rule. Every check is a whole-column operation.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import RULES as USCC_RULES
from features.codes import arrow_text, uscc_rule_numbers
from features.contracts import LIST_SEP, Column, Contract

VIOLATION_COLUMNS = ["row", "column", "value", "rule"]
_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}
_TYPE_OF = np.frompyfunc(type, 1, 1)


def _violations(mask: np.ndarray, column: str, raw: pd.Series, rule: str) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    values = raw.iloc[rows].astype("string").fillna("").str.slice(0, 60)
    return pd.DataFrame(
        {"row": rows, "column": column, "value": values.to_numpy(dtype=object), "rule": rule}
    )


def _is_text(raw: pd.Series) -> bool:
    return raw.dtype.kind in "OSUT" or isinstance(raw.dtype, pd.StringDtype)


def _stripped(raw: pd.Series) -> pa.ChunkedArray:
    """The cells as text without surrounding whitespace (sharing `raw`'s memory if none has)."""
    text = arrow_text(raw)
    stripped = pc.utf8_trim_whitespace(text)
    if pc.sum(pc.binary_length(stripped)).as_py() == pc.sum(pc.binary_length(text)).as_py():
        return text  # nothing was trimmed
    return stripped


def _blank_text(stripped: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.fill_null(pc.equal(stripped, ""), True)


def _bools(mask: pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array without nulls as a NumPy mask."""
    return mask.to_numpy().astype(bool, copy=False)


def _blank(raw: pd.Series) -> np.ndarray:
    if _is_text(raw):
        return _bools(_blank_text(_stripped(raw)))
    return raw.isna().to_numpy(dtype=bool)


def _as_series(text: pa.ChunkedArray, raw: pd.Series, dtype: str) -> pd.Series:
    return pd.Series(pd.array(text, dtype=dtype), index=raw.index)


def _date_objects_as_datetime64(raw: pd.Series) -> pd.Series:
    """A column of `datetime.date` objects (as Parquet dates are read) as datetime64.

    Its cells read the same as text ('YYYY-MM-DD') and parse to the same dates, far faster.
    Any other column is returned as it is.
    """
    if raw.dtype != object:
        return raw
    cells = raw.to_numpy()
    if not ((_TYPE_OF(cells) == datetime.date) | pd.isna(cells)).all():
        return raw
    dates = pa.array(cells, type=pa.date32(), from_pandas=True).cast(pa.timestamp("ms"))
    return pd.Series(dates.to_numpy(zero_copy_only=False), index=raw.index, name=raw.name)


def _parse_dates(raw: pd.Series, normalize: bool) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    elif raw.dtype.kind == "M":
        parsed = raw
    else:
        text = _as_series(_stripped(raw), raw, "string")
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        retry = parsed.isna() & text.notna() & (text != "")
        if retry.any():
            parsed[retry] = pd.to_datetime(text[retry], errors="coerce", format="%Y/%m/%d")
    parsed = parsed.astype("datetime64[s]")
    return parsed.dt.normalize() if normalize else parsed


def _parse_bool(raw: pd.Series) -> pd.Series:
    if raw.dtype == bool or isinstance(raw.dtype, pd.BooleanDtype):
        return raw.astype("boolean")
    text = _as_series(_stripped(raw), raw, "string").str.lower()
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    return out


def _parse_text(raw: pd.Series) -> pd.Series:
    """Text without surrounding whitespace; blank cells missing."""
    stripped = _stripped(raw)
    blank = _blank_text(stripped) if _is_text(raw) else stripped.is_null()
    if pc.any(blank).as_py():
        stripped = pc.if_else(blank, pa.scalar(None, stripped.type), stripped)
    return _as_series(stripped, raw, "str")


def parse_column(raw: pd.Series, column: Column) -> pd.Series:
    """The column in its kind: dates as datetime64 (midnight), numbers, booleans, or text."""
    if column.kind in ("date", "datetime"):
        return _parse_dates(raw, normalize=column.kind == "date")
    if column.kind == "float":
        return pd.to_numeric(raw, errors="coerce").astype("float64")
    if column.kind == "int":
        num = pd.to_numeric(raw, errors="coerce")
        whole = num.where(np.isclose(num, np.round(num)))
        return whole.astype("Int64")
    if column.kind == "bool":
        return _parse_bool(raw)
    if raw.dtype.kind == "f" and np.isclose(raw.dropna() % 1, 0).all():
        raw = raw.astype("Int64")  # codes stored as numbers: 94101, not 94101.0
    return _parse_text(raw)


def _kind_rule(column: Column) -> str:
    return {
        "date": "not a date (YYYY-MM-DD)",
        "datetime": "not a date-time (YYYY-MM-DD HH:MM:SS)",
        "float": "not a number",
        "int": "not a whole number",
        "bool": "not true/false",
    }.get(column.kind, "")


def is_in_each(columns: list[pd.Series], known: pd.Series) -> list[np.ndarray]:
    """For each column, whether each value is one of `known`, compared as text.

    A missing value matches only a missing known value. `known` is hashed once for all columns.
    """
    chunks = [chunk for column in columns for chunk in arrow_text(column).chunks]
    found = _bools(pc.is_in(pa.chunked_array(chunks, pa.large_string()),
                            value_set=arrow_text(known)))
    return np.split(found, np.cumsum([len(column) for column in columns])[:-1])


def is_in(values: pd.Series, known: pd.Series) -> np.ndarray:
    """Whether each value is one of `known`, compared as text (missing matches missing)."""
    return is_in_each([values], known)[0]


def list_items(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The '|'-joined items of each value, stripped, and the row each came from.

    A missing value gives one missing item, as `Series.explode` does.
    """
    lists = pc.split_pattern(arrow_text(values), LIST_SEP)
    lists = pc.if_else(lists.is_null(), pa.scalar([None], lists.type), lists)
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = pc.list_parent_indices(lists).to_numpy()
    return pd.Series(pd.array(items, dtype="str")), rows


def _any_per_row(hit: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows[hit]] = True
    return out


def _uscc_rules(value: pd.Series, present: np.ndarray) -> list[tuple[np.ndarray, str]]:
    numbers = uscc_rule_numbers(value)
    seen, first = np.unique(numbers, return_index=True)
    in_order = seen[np.argsort(first)]  # rules in the order rows first break them
    return [(present & (numbers == n), USCC_RULES[n - 1]) for n in in_order if n > 0]


def _value_rules(value: pd.Series, column: Column) -> list[tuple[np.ndarray, str]]:
    present = value.notna().to_numpy(dtype=bool)
    found: list[tuple[np.ndarray, str]] = []
    if column.allowed is not None:
        ok = value.isin(column.allowed).to_numpy(dtype=bool)
        shown = ", ".join(column.allowed[:8]) + (", …" if len(column.allowed) > 8 else "")
        found.append((present & ~ok, f"not an allowed value ({shown})"))
    if column.pattern is not None:
        matched = value.astype("string").str.fullmatch(column.pattern).fillna(False)
        found.append((present & ~matched.to_numpy(dtype=bool),
                      f"does not match {column.pattern}"))
    if column.uscc:
        found.extend(_uscc_rules(value, present))
    if column.minimum is not None:
        found.append((present & (value < column.minimum).fillna(False).to_numpy(dtype=bool),
                      f"below the minimum {column.minimum:g}"))
    if column.maximum is not None:
        found.append((present & (value > column.maximum).fillna(False).to_numpy(dtype=bool),
                      f"above the maximum {column.maximum:g}"))
    if column.list_of is not None:
        items, rows = list_items(value)
        bad_item = ~items.isin(column.list_of).to_numpy(dtype=bool)
        found.append((present & _any_per_row(bad_item, rows, len(value)),
                      f"a '{LIST_SEP}'-joined item is not an allowed value"))
    return found


def check_table(raw: pd.DataFrame, contract: Contract) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse `raw` into the contract's kinds; return (typed table, violations)."""
    raw = raw.reset_index(drop=True)
    typed: dict[str, pd.Series] = {}
    found: list[pd.DataFrame] = []
    for column in contract.columns:
        if column.optional and column.name not in raw:  # left out: read as empty
            raw[column.name] = pd.Series(None, index=raw.index, dtype=object)
        source = raw[column.name]
        if column.kind in ("date", "datetime"):
            source = _date_objects_as_datetime64(source)
        value = parse_column(source, column)
        typed[column.name] = value
        # parsed text is missing exactly where the cell is blank
        blank = value.isna().to_numpy(dtype=bool) if column.kind == "str" else _blank(source)
        if not column.nullable:
            found.append(_violations(blank, column.name, source, "required value missing"))
        unparsed = ~blank & value.isna().to_numpy(dtype=bool)
        if unparsed.any():
            found.append(_violations(unparsed, column.name, source, _kind_rule(column)))
        for mask, rule in _value_rules(value, column):
            if mask.any():
                found.append(_violations(mask, column.name, source, rule))
    table = pd.DataFrame(typed, copy=False)
    for later, earlier in contract.not_before:
        mask = (table[later] < table[earlier]).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            found.append(_violations(mask, later, raw[later], f"{later} is before {earlier}"))
    key = list(contract.key)
    dup = table.duplicated(subset=key, keep="first").to_numpy(dtype=bool) & table[
        key
    ].notna().all(axis=1).to_numpy(dtype=bool)
    if dup.any():
        found.append(_violations(dup, key[0], raw[key[0]], f"duplicate key ({', '.join(key)})"))
    if contract.table == "inspections":
        found.extend(_inspection_rules(table, raw, contract.visit_inspectors))
    violations = pd.concat(found, ignore_index=True) if found else _empty()
    return table, violations


CHECK_THREADS = 2


def check_tables(raws: dict[str, pd.DataFrame], contracts: Mapping[str, Contract]
                 ) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """`check_table` for each raw table, two at a time: Arrow's and NumPy's parts of a check
    run without the GIL, and the register alone is half the checking (city: 3.8-4.8 s one at a
    time, 2.7-3.3 s two). Each raw table leaves `raws` as its check starts."""
    names = list(raws)
    with ThreadPoolExecutor(CHECK_THREADS) as pool:
        checked = pool.map(lambda name: check_table(raws.pop(name), contracts[name]), names)
        return dict(zip(names, checked, strict=True))


def _n_different(ids: pd.Series, n: int) -> np.ndarray:
    """True where the text is exactly `n` '|'-joined items, all non-blank and different."""
    lists = pc.split_pattern(arrow_text(ids), LIST_SEP)
    right = _bools(pc.fill_null(pc.equal(pc.list_value_length(lists), n), False))
    kept = lists.filter(pa.array(right))
    items = [pc.utf8_trim_whitespace(pc.list_element(kept, i)) for i in range(n)]
    ok = pa.chunked_array([pa.array(np.ones(len(kept), dtype=bool))])
    for i, item in enumerate(items):
        ok = pc.and_(ok, pc.not_equal(item, ""))
        for other in items[i + 1:]:
            ok = pc.and_(ok, pc.not_equal(item, other))
    out = np.zeros(len(ids), dtype=bool)
    out[right] = _bools(ok)
    return out


def _inspection_rules(table: pd.DataFrame, raw: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    ids = table["inspector_ids"]
    bad_pair = ids.notna().to_numpy(dtype=bool) & ~_n_different(ids, n)
    random = table["kind"] == "random"
    prob = table["inclusion_prob"]
    bad_prob = random & ~(prob > 0).fillna(False)
    return [
        _violations(bad_pair, "inspector_ids", raw["inspector_ids"],
                    "needs two different inspector ids joined with '|'" if n == 2 else
                    f"needs {n} different inspector id(s) joined with '|'"),
        _violations(bad_prob.to_numpy(dtype=bool), "inclusion_prob", raw["inclusion_prob"],
                    "a random visit needs an inclusion probability above 0"),
    ]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in VIOLATION_COLUMNS})
