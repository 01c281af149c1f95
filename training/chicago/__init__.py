"""The City of Chicago's food-inspection evaluation (2014) as a benchmark for riskwarn.

`data` reads the published analysis table with its filter and split, `logit` re-implements
their ridge logistic regression, `own` builds riskwarn's inspection cohort from the raw tables
for the published inspections, and `run` puts the published figures and the logit beside
`riskwarn backtest`'s rankings on the same inspections.
"""

from training.chicago.benchmark import COLUMNS, PUBLISHED, evaluation_row, logit_row
from training.chicago.data import load_split, published_rows, read_model_table, split

__all__ = ["COLUMNS", "PUBLISHED", "evaluation_row", "load_split", "logit_row",
           "published_rows", "read_model_table", "split"]
