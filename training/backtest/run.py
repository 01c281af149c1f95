"""`riskwarn backtest`: train before each window, score its visits once, compare with the
references on the same rows and history, and log the table and its picture to MLflow."""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.dataset import MANIFEST
from features.metadata import read_meta
from training import plots, tracking
from training.backtest.figure import found_by_day
from training.backtest.paired import Paired, paired_difference
from training.backtest.references import references
from training.backtest.rows import COLUMNS, Row, mean_row, table_row
from training.backtest.windows import Window, window_split, windows
from training.data import feature_names, load_features, periods
from training.model import DEFAULT_PARAMS, fit, probabilities
from training.tune import search

RISKWARN = "riskwarn"


@dataclass
class BacktestResult:
    """The rows printed (each window's, or with several windows each ranking's mean), every
    window's rows, the paired difference and the facts of the run."""

    rows: list[Row]
    window_rows: list[Row]
    paired: Paired | None
    facts: dict[str, Any] = field(default_factory=dict)


def _dataset(features: Path) -> tuple[dict[str, Any], str]:
    """The feature dataset's manifest (an inspection cohort's) and the data set's name."""
    path = features / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{features}: no feature dataset (run riskwarn features "
                                "--cohort inspected first)")
    manifest = json.loads(path.read_text("utf-8"))
    if manifest.get("cohort") != "inspected":
        raise ValueError(f"{features}: holds firm snapshots; a back-test needs an inspection "
                         "cohort (riskwarn features --cohort inspected)")
    sources = Path(manifest["sources"])
    name = read_meta(sources)[0].name if sources.is_dir() else ""
    return manifest, re.sub(r"[^\w.-]+", "-", name or sources.name or features.name)


def _industry(manifest: dict[str, Any], industry: str | None) -> str:
    held = sorted(manifest["row_counts"])
    if industry is None and len(held) == 1:
        return held[0]
    if industry is None or industry not in held:
        raise ValueError(f"give --industry: this cohort holds {', '.join(held)}")
    return industry


def _params(split_rows: pd.DataFrame, names: list[str], tune: bool, seed: int
            ) -> dict[str, Any]:
    if not tune:
        return dict(DEFAULT_PARAMS)
    per_month = len(split_rows) / max(1, periods(split_rows).nunique())
    k = max(1, math.ceil(0.1 * per_month))  # the top tenth of a month's visits
    return search(split_rows, names, k, 0, trials=20, seed=seed, what="--tune")[0]


def window_scores(frame: pd.DataFrame, names: list[str], window: Window, tune: bool
                  ) -> tuple[list[Row], pd.DataFrame, dict[str, np.ndarray]]:
    """One window: (its table rows, its test visits, each ranking's scores of them)."""
    split = window_split(frame, window)
    history = pd.concat([split.train, split.calibration], ignore_index=True)
    model = fit(split.train, split.calibration, names, _params(history, names, tune, 0))
    test = split.test
    scores = {RISKWARN: probabilities(model, test, names)}
    scores.update({name: rank(history, test, names)
                   for name, rank in references(test).items()})
    rows = [table_row(name, window.number, test["as_of"], test["label"], s)
            for name, s in scores.items()]
    return rows, test, scores


def _log(name: str, result: BacktestResult, picture: Any, params: dict[str, Any]) -> str:
    with mlflow.start_run(experiment_id=tracking.named_experiment(f"backtest-{name}")) as run:
        mlflow.log_params(params)
        for row in result.rows:
            key = re.sub(r"[^\w]+", "_", row["name"]).strip("_")
            mlflow.log_metrics({f"{key}_{c}": row[c] for c in COLUMNS if row[c] is not None})
        if result.paired is not None:
            mlflow.log_metrics({"paired_auc_diff": result.paired.mean,
                                "paired_auc_diff_ci_low": result.paired.ci_low,
                                "paired_auc_diff_ci_high": result.paired.ci_high})
        with tempfile.TemporaryDirectory() as tmp:
            table = Path(tmp) / "backtest.json"
            table.write_text(json.dumps(result.window_rows + result.rows, indent=2), "utf-8")
            mlflow.log_artifact(str(table))
        mlflow.log_figure(picture, "plots/found_by_day.png")
        plots.close(picture)
        return str(run.info.run_id)


def run_backtest(features: Path, test_from: pd.Timestamp, test_to: pd.Timestamp,
                 train_to: pd.Timestamp | None = None, count: int = 1, window_months: int = 2,
                 json_path: Path | None = None, tune: bool = False,
                 industry: str | None = None, step: Callable[[], None] | None = None
                 ) -> BacktestResult:
    """The back-test table; ValueError or FileNotFoundError (one line) for what cannot run."""
    manifest, name = _dataset(Path(features))
    chosen = _industry(manifest, industry)
    cut = windows(test_from, test_to, train_to, count, window_months)
    frame = load_features(Path(features), chosen)
    names = feature_names(frame)
    window_rows: list[Row] = []
    pairs: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for window in cut:
        rows, test, scores = window_scores(frame, names, window, tune)
        window_rows += rows
        y = test["label"].to_numpy(dtype=float)
        for ref, s in scores.items():
            pairs.setdefault(ref, []).append((y, scores[RISKWARN], s))
        if step:
            step()
    names_in_order = list(dict.fromkeys(r["name"] for r in window_rows))
    shown = window_rows if count == 1 else [
        mean_row([r for r in window_rows if r["name"] == n]) for n in names_in_order]
    others = [r for r in shown if r["name"] != RISKWARN and r["roc_auc"] is not None]
    best = max(others, key=lambda r: r["roc_auc"])["name"] if others else None
    paired = paired_difference(best, pairs[best]) if best else None
    result = BacktestResult(shown, window_rows, paired, {
        "dataset": name, "industry": chosen, "windows": count,
        "test_visits": int(sum(len(p[0]) for p in pairs[RISKWARN]))})
    last = cut[-1]
    picture = found_by_day(test["as_of"], test["label"], scores,
                           f"{name}: window {last.number} ({last.test_from:%Y-%m-%d} to "
                           f"{last.test_to:%Y-%m-%d})")
    params = {"features": str(features), "industry": chosen, "test_from": f"{test_from:%Y-%m-%d}",
              "test_to": f"{test_to:%Y-%m-%d}", "windows": count, "window_months": window_months,
              "train_to": "" if train_to is None else f"{train_to:%Y-%m-%d}", "tune": tune,
              "feature_set_version": manifest.get("feature_set_version")}
    result.facts["mlflow_run_id"] = _log(name, result, picture, params)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        side = json_path.with_name(json_path.name + ".partial")
        side.write_text(json.dumps(window_rows + ([] if count == 1 else shown), indent=2,
                                   ensure_ascii=False), "utf-8")
        side.replace(json_path)
    return result


def title(result: BacktestResult) -> str:
    f = result.facts
    kind = "the window" if f["windows"] == 1 else f"the mean of {f['windows']} windows"
    return (f"back-test of {f['dataset']} ({f['industry']}): {f['test_visits']:,} test "
            f"visits, {kind}")


def paired_line(result: BacktestResult) -> str:
    p = result.paired
    if p is None:
        return "no reference could be compared"
    return (f"ROC-AUC riskwarn - {p.reference}: {p.mean:+.4f} (95 % interval {p.ci_low:+.4f} "
            f"to {p.ci_high:+.4f}) over {p.windows} window{'s' if p.windows > 1 else ''}")
