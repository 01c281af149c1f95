"""The City of Chicago's food-inspection evaluation (2014) as a benchmark for riskwarn.

`data` reads the published analysis table with its filter and split, `logit` re-implements
their ridge logistic regression, `lgbm` fits LightGBM on the prepared inputs (tuned inside the
training period only), and `benchmark` turns each ranking into one row of the table.
"""

from training.chicago.benchmark import (
    COLUMNS,
    PUBLISHED,
    benchmark_rows,
    evaluation_row,
    lightgbm_row,
    logit_row,
    run,
)
from training.chicago.data import load_split, published_rows, read_model_table, split

__all__ = ["COLUMNS", "PUBLISHED", "benchmark_rows", "evaluation_row", "lightgbm_row",
           "load_split", "logit_row", "published_rows", "read_model_table", "run", "split"]
