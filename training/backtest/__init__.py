"""`riskwarn backtest`: a model trained on the visits before a test window, scored once on the
window's visits, beside reference rankings computed on the same rows and the same history.

`windows` cuts the test period into windows (rolling origin), `references` holds the rankings
riskwarn must beat, `rows` turns any ranking into one row of the table, `paired` gives the
difference riskwarn - best reference with its interval, and `run` puts them together and logs
everything to MLflow.
"""

from training.backtest.rows import HEADERS, cells
from training.backtest.run import BacktestResult, paired_line, run_backtest, title

__all__ = ["HEADERS", "BacktestResult", "cells", "paired_line", "run_backtest", "title"]
