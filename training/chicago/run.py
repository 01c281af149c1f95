"""`riskwarn benchmark chicago`: every row of the table on the published split, logged to
MLflow (experiment `chicago`) with a picture of how fast each ranking finds the violations."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from features.adapters.chicago import id_text
from features.build import as_text
from training import tracking
from training.backtest.run import RISKWARN, window_scores
from training.backtest.windows import Window
from training.chicago.benchmark import PUBLISHED, Row, evaluation_row, logit_scores_for
from training.chicago.data import DATE, LABEL, TRAIN_BEFORE, load_split
from training.chicago.own import own_split, visit_days
from training.data import feature_names
from training.inspection_order import simulated_days

EXPERIMENT = "chicago"


def total_steps(data: Path, work: Path) -> int:
    """Progress steps of a run: the days the inspection cohort is built for (0 when kept)."""
    return visit_days(data, work)


def found_curve(dates: pd.Series, labels: np.ndarray, scores: dict[str, np.ndarray]) -> Figure:
    """Share of the critical violations found by each day of the test period, in the real
    order and in each ranking's."""
    real = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    days = np.unique(real)
    positive = labels.astype(bool)
    fig, ax = plt.subplots(figsize=(8, 5))

    def share_by_day(when: np.ndarray) -> np.ndarray:
        hits = np.sort(when[positive])
        return np.searchsorted(hits, days, side="right") / max(positive.sum(), 1)

    ax.step(days - days[0], share_by_day(real), where="post", color="grey",
            label="business as usual")
    for name, score in scores.items():
        ax.step(days - days[0], share_by_day(simulated_days(real, score)), where="post",
                label=name)
    ax.set(xlabel="days into the test period", ylabel="share of critical violations found",
           title="Critical violations found, by day")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _metric_key(name: str) -> str:
    return name.split(" ")[0]


def log_run(rows: list[Row], facts: dict[str, Any], figure: Figure) -> str:
    """One MLflow run in the `chicago` experiment: facts as parameters, each row's figures as
    metrics (`<row>_<metric>`), the table as JSON and the picture."""
    experiment = tracking.named_experiment(EXPERIMENT)
    with mlflow.start_run(experiment_id=experiment, run_name="benchmark") as run:
        mlflow.log_params({k: json.dumps(v) if isinstance(v, dict | list) else v
                           for k, v in facts.items()})
        for row in rows:
            mlflow.log_metrics({f"{_metric_key(row['name'])}_{key}": float(value)
                                for key, value in row.items()
                                if key != "name" and value is not None})
        with tempfile.TemporaryDirectory() as folder:
            table = Path(folder) / "chicago_benchmark.json"
            table.write_text(json.dumps(rows, indent=2), "utf-8")
            mlflow.log_artifact(str(table))
        mlflow.log_figure(figure, "found_by_day.png")
        plt.close(figure)
        return str(run.info.run_id)


def same_rows(own: pd.DataFrame, published: pd.DataFrame, part: str) -> None:
    """riskwarn's rows must be the published split's inspections, in its order."""
    ids = id_text(published["Inspection_ID"]).to_numpy()
    if np.array_equal(own["inspection_id"].to_numpy(dtype=object), ids.astype(object)):
        return
    missing = sorted(set(ids) - set(own["inspection_id"]))
    raise ValueError(f"riskwarn's inspection cohort lacks {len(missing)} of the published "
                     f"{part} inspections (e.g. {', '.join(missing[:5])}) or holds them in "
                     "another order")


def backtest_scores(train: pd.DataFrame, test: pd.DataFrame, tune: bool
                    ) -> dict[str, np.ndarray]:
    """`riskwarn backtest`'s rankings (riskwarn and its references) of the published test
    inspections, fitted on the published training inspections, in the published order."""
    frame = pd.concat([train, test], ignore_index=True).rename(
        columns={DATE: "as_of", LABEL: "label"})
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame = as_text(frame)
    window = Window(1, TRAIN_BEFORE + pd.Timedelta(days=1), frame["as_of"].max(),
                    TRAIN_BEFORE - pd.Timedelta(days=1))
    _, scored, scores = window_scores(frame, feature_names(frame), window, tune)
    position = pd.Series(range(len(scored)), index=scored["inspection_id"].to_numpy())
    order = position.loc[test["inspection_id"].to_numpy()].to_numpy()
    return {name: values[order] for name, values in scores.items()}


def run_benchmark(data: Path, work: Path, tune: bool = False,
                  step: Callable[[], None] | None = None) -> tuple[list[Row], dict[str, Any]]:
    """The table's rows (published, the re-implemented logit, then `riskwarn backtest`'s
    rankings on the same inspections: riskwarn, the history rule, a logistic regression and
    a plain LightGBM on riskwarn's features) and the facts of the run; `tune` searches
    riskwarn's parameters inside the training period."""
    train, test = load_split(data)
    own_train, own_test, facts = own_split(data, work, step)
    same_rows(own_train, train, "training")
    same_rows(own_test, test, "test")
    scores = {"logit (re-implemented, 11 inputs)": logit_scores_for(train, test)}
    scores.update(backtest_scores(own_train, own_test, tune))
    rows = [dict(PUBLISHED)] + [evaluation_row(name, test[DATE], test[LABEL], s)
                                for name, s in scores.items()]
    days = test[DATE]
    facts |= {"test_period": f"{days.min():%Y-%m-%d} .. {days.max():%Y-%m-%d}",
              "riskwarn_row": RISKWARN, "tune": tune}
    facts["mlflow_run_id"] = log_run(rows, facts, found_curve(days, test[LABEL].to_numpy(),
                                                              scores))
    return rows, facts
