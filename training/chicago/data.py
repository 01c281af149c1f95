"""The published analysis table of the Chicago evaluation: its filter, label and split.

Reading the Parquet file is the only I/O; everything else takes and returns DataFrames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TABLE = "23_dat_model.parquet"
LICENCE = "Retail Food Establishment"
TRAIN_BEFORE = pd.Timestamp("2014-07-01")  # train: strictly before; test: strictly after
DATE = "Inspection_Date"
LABEL = "criticalFound"

# outcomes of the inspection itself: never an input
OUTCOMES = ("criticalCount", "seriousCount", "minorCount", "pass_flag", "fail_flag", LABEL)
IDENTIFIERS = ("Inspection_ID", "License", "Business_ID", "LICENSE_DESCRIPTION", DATE)


def read_model_table(data: Path) -> pd.DataFrame:
    """`23_dat_model.parquet` from the data folder, as stored."""
    return pd.read_parquet(Path(data) / TABLE)


def published_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Retail food establishments with no missing value, labelled `criticalFound`, ordered by
    `Inspection_ID` (the key the published R code sorts on)."""
    rows = table.loc[table["LICENSE_DESCRIPTION"] == LICENCE].dropna()
    rows = rows.sort_values("Inspection_ID", kind="stable").reset_index(drop=True)
    return rows.assign(**{LABEL: np.minimum(1, rows["criticalCount"]).astype(int)})


def split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): inspections before 2014-07-01 and after it (the day itself in neither)."""
    train = rows.loc[rows[DATE] < TRAIN_BEFORE].reset_index(drop=True)
    test = rows.loc[rows[DATE] > TRAIN_BEFORE].reset_index(drop=True)
    return train, test


def load_split(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the table and return the published (train, test) rows."""
    return split(published_rows(read_model_table(data)))
