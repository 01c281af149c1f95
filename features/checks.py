"""Vectorised checks of one raw table against its contract.

`check_table` parses each column into its kind and returns the typed table with one row of
violations per broken rule: row (0-based position in the file, header not counted, as pandas
numbers rows), column, value and rule. Every check is a whole-column operation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.codes import uscc_problems
from features.contracts import LIST_SEP, Column, Contract

VIOLATION_COLUMNS = ["row", "column", "value", "rule"]
_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}


def _violations(mask: np.ndarray, column: str, raw: pd.Series, rule: str) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    values = raw.iloc[rows].astype("string").fillna("").str.slice(0, 60)
    return pd.DataFrame(
        {"row": rows, "column": column, "value": values.to_numpy(dtype=object), "rule": rule}
    )


def _blank(raw: pd.Series) -> np.ndarray:
    if raw.dtype.kind in "OSUT" or isinstance(raw.dtype, pd.StringDtype):
        text = raw.astype("string").str.strip()
        return (text.isna() | (text == "")).to_numpy(dtype=bool)
    return raw.isna().to_numpy(dtype=bool)


def _parse_dates(raw: pd.Series, normalize: bool) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    elif raw.dtype.kind == "M":
        parsed = raw
    else:
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        retry = parsed.isna() & text.notna() & (text != "")
        if retry.any():
            parsed[retry] = pd.to_datetime(text[retry], errors="coerce", format="%Y/%m/%d")
    parsed = parsed.astype("datetime64[s]")
    return parsed.dt.normalize() if normalize else parsed


def _parse_bool(raw: pd.Series) -> pd.Series:
    if raw.dtype == bool or isinstance(raw.dtype, pd.BooleanDtype):
        return raw.astype("boolean")
    text = raw.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    return out


def parse_column(raw: pd.Series, column: Column) -> pd.Series:
    """The column in its kind: dates as datetime64 (midnight), numbers, booleans, or text."""
    blank = _blank(raw)
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
    text = raw.astype("string").str.strip()
    return text.mask(blank).astype("str")


def _kind_rule(column: Column) -> str:
    return {
        "date": "not a date (YYYY-MM-DD)",
        "datetime": "not a date-time (YYYY-MM-DD HH:MM:SS)",
        "float": "not a number",
        "int": "not a whole number",
        "bool": "not true/false",
    }.get(column.kind, "")


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
        problems = uscc_problems(value)
        for rule in problems.dropna().unique():
            hit = (problems == rule).fillna(False).to_numpy(dtype=bool)
            found.append((present & hit, str(rule)))
    if column.minimum is not None:
        found.append((present & (value < column.minimum).fillna(False).to_numpy(dtype=bool),
                      f"below the minimum {column.minimum:g}"))
    if column.maximum is not None:
        found.append((present & (value > column.maximum).fillna(False).to_numpy(dtype=bool),
                      f"above the maximum {column.maximum:g}"))
    if column.list_of is not None:
        items = value.astype("string").str.split(LIST_SEP, regex=False).explode()
        bad_item = ~items.str.strip().isin(column.list_of).fillna(False)
        bad_rows = bad_item.groupby(level=0).any().reindex(value.index, fill_value=False)
        found.append((present & bad_rows.to_numpy(dtype=bool),
                      f"a '{LIST_SEP}'-joined item is not an allowed value"))
    return found


def check_table(raw: pd.DataFrame, contract: Contract) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse `raw` into the contract's kinds; return (typed table, violations)."""
    raw = raw.reset_index(drop=True)
    typed: dict[str, pd.Series] = {}
    found: list[pd.DataFrame] = []
    for column in contract.columns:
        source = raw[column.name]
        value = parse_column(source, column)
        typed[column.name] = value
        blank = _blank(source)
        if not column.nullable:
            found.append(_violations(blank, column.name, source, "required value missing"))
        unparsed = ~blank & value.isna().to_numpy(dtype=bool)
        if unparsed.any():
            found.append(_violations(unparsed, column.name, source, _kind_rule(column)))
        for mask, rule in _value_rules(value, column):
            if mask.any():
                found.append(_violations(mask, column.name, source, rule))
    table = pd.DataFrame(typed)
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
        found.extend(_inspection_rules(table, raw))
    violations = pd.concat(found, ignore_index=True) if found else _empty()
    return table, violations


def _inspection_rules(table: pd.DataFrame, raw: pd.DataFrame) -> list[pd.DataFrame]:
    text = table["inspector_ids"].astype("string")
    parts = text.str.count(r"\|") + 1
    first = text.str.extract(r"^\s*([^|]*?)\s*(?:\||$)", expand=False)
    second = text.str.extract(r"\|\s*([^|]*?)\s*$", expand=False)
    pair_ok = (parts == 2) & (first != second) & (first != "") & (second != "")
    bad_pair = table["inspector_ids"].notna() & ~pair_ok.fillna(False)
    random = table["kind"] == "random"
    prob = table["inclusion_prob"]
    bad_prob = random & ~(prob > 0).fillna(False)
    return [
        _violations(bad_pair.to_numpy(dtype=bool), "inspector_ids", raw["inspector_ids"],
                    "needs two different inspector ids joined with '|'"),
        _violations(bad_prob.to_numpy(dtype=bool), "inclusion_prob", raw["inclusion_prob"],
                    "a random visit needs an inclusion probability above 0"),
    ]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in VIOLATION_COLUMNS})
