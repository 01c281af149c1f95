"""A slice of the real public Chicago tables (../shared, present in CI), adapted and written
the way `riskwarn adapt chicago` writes them; shared by the tests that need real records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.adapters import chicago

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "chicago-food-inspections"


def slice_of(raw: dict[str, pd.DataFrame], licences: int = 150) -> dict[str, pd.DataFrame]:
    """Every record of the first `licences` licences inspected in 2014, and 311 complaints
    from 2013 on."""
    insp = raw["inspections"]
    kept = insp.loc[insp["Inspection_Date"] >= "2014-01-01", "License"].drop_duplicates()
    kept = set(kept.head(licences))
    mine = insp["License"].isin(kept)
    return {**raw, "inspections": insp.loc[mine],
            "licences": raw["licences"].loc[raw["licences"]["Inspection_ID"].isin(
                insp.loc[mine, "Inspection_ID"])],
            "visits": raw["visits"].loc[pd.to_numeric(raw["visits"]["License"],
                                                      errors="coerce").isin(kept)],
            "sanitation": raw["sanitation"].loc[raw["sanitation"]["Creation_Date"] >=
                                                "2013-01-01"]}


def write_slice(out: Path, licences: int = 150) -> Path:
    """The adapted slice as Parquet tables and `_dataset.yaml` in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in chicago.adapt(slice_of(chicago.read_raw(DATA), licences)).items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    chicago.write_meta(out, chicago.META)
    return out
