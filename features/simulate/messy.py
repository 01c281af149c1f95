"""`--messy`: what real exports contain. Duplicate rows (~1 %), invalid codes (~0.1 %),
complaint subjects as name variants, missing values, and a GB18030 CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from features.towns import TOWN_NAMES

DUPLICATE_SHARE = 0.01
INVALID_CODE_SHARE = 0.001
MISSING = {  # table: {column: share of values blanked}
    "registrations": {"registered_capital": 0.02, "address": 0.01, "legal_rep_name": 0.01},
    "complaints": {"town_code": 0.03, "handling_unit": 0.05, "satisfaction": 0.1},
    "penalties": {"legal_basis": 0.02, "violation_on": 0.05},
}
CSV_TABLE = "complaints"


def _duplicate(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    extra = rng.choice(len(frame), size=int(len(frame) * DUPLICATE_SHARE), replace=False)
    order = np.sort(np.concatenate([np.arange(len(frame)), extra]), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _break_codes(codes: pd.Series, rng: np.random.Generator) -> pd.Series:
    hit = rng.random(len(codes)) < INVALID_CODE_SHARE
    hit &= codes.notna().to_numpy()
    last = codes[hit].str.slice(17, 18)
    swapped = np.where(last == "1", "2", "1")
    out = codes.copy()
    out[hit] = codes[hit].str.slice(0, 17) + swapped
    return out


def name_variants(names: pd.Series, towns: pd.Series, rng: np.random.Generator) -> pd.Series:
    """How callers name a firm: without the city, a shorter suffix, the branch they visited."""
    u = rng.random(len(names))
    out = names.copy()
    out = out.where(u >= 0.3, out.str.replace("东莞市", "", regex=False))
    out = out.where((u < 0.3) | (u >= 0.5), out.str.replace("有限公司", "公司", regex=False))
    shop = out + "（" + towns.fillna("") + "店）"
    return out.where((u < 0.5) | (u >= 0.6), shop)


def make_messy(tables: dict[str, pa.Table], rng: np.random.Generator, out: Path
               ) -> dict[str, pa.Table | None]:
    """Messy copies of the tables; the complaints go to `out/complaints.csv` in GB18030."""
    result: dict[str, pa.Table | None] = {}
    for name, table in tables.items():
        frame = table.to_pandas()
        if "uscc" in frame and name != "inspectors":
            frame["uscc"] = _break_codes(frame["uscc"], rng)
        for column, share in MISSING.get(name, {}).items():
            frame.loc[rng.random(len(frame)) < share, column] = None
        if name == "complaints":
            named_only = frame["uscc"].isna()
            frame.loc[named_only, "subject_name"] = name_variants(
                frame.loc[named_only, "subject_name"],
                frame.loc[named_only, "town_code"].map(TOWN_NAMES), rng)
        if name != "inspectors":
            frame = _duplicate(frame, rng)
        if name == CSV_TABLE:
            frame.to_csv(out / f"{name}.csv", index=False, encoding="gb18030")
            result[name] = None
        else:
            result[name] = pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)
    return result
