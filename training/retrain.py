"""`riskwarn retrain`: one retraining run for every industry — features, train, evaluate,
gate, promote — that changes the registry only at the very end.

Models are trained and logged without registration; only when every industry has been
trained and judged are versions registered and aliases moved, so a failure or a kill at any
earlier step leaves `champion` (and every alias) as it was. A run on data, configuration and
parameters already trained on changes nothing. Features are built only for the as-of dates
the temporal split uses, over a bounded history (`TRAIN_MONTHS`; `retrain_window`).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from features import settings
from features.build import FEATURE_SET_VERSION
from features.dataset import MANIFEST, build_dataset, source_fingerprint
from features.industries import INDUSTRY_KEYS, config_hash, default_config
from features.loading import load_sources
from training import attempts, tracking
from training.data import TEST_DATES
from training.identity import identity, same_as
from training.model import DEFAULT_PARAMS
from training.promote import Decision, judge, log_decision, version_uri
from training.train import train_industry, tuned_params

DEFAULT_FEATURES = settings.DATA_DIR / "retrain" / "features"


@dataclass
class Outcome:
    industry: str
    status: str  # "unchanged" | "promoted" | "not promoted"
    reason: str
    version: str | None


def fingerprint_of(sources: str | Path, extra: dict[str, pd.DataFrame] | None) -> str:
    """The sources' fingerprint, extended by any rows added to them."""
    base = source_fingerprint(sources)
    if not extra or all(frame.empty for frame in extra.values()):
        return base
    digest = hashlib.sha256(base.encode())
    for table in sorted(extra):
        digest.update(table.encode())
        digest.update(pd.util.hash_pandas_object(extra[table], index=False).to_numpy().tobytes())
    return digest.hexdigest()


# The retraining window (issue 4). Each industry's features are kept for the as-of dates its
# temporal split uses (training/data.py::temporal_split): the latest TEST_DATES labelled
# month-ends, the calibration month-end a horizon before them (and, where the probability is
# calibrated on random inspections of the next month, every month-end from there to a month
# before the test), and TRAIN_MONTHS month-ends of
# training rows before that, never earlier than the first inspection or penalty in the sources
# (before it every label is 0 by construction). Measured at city scale (benchmarks/RESULTS.md):
# 36 months instead of 24 gave the same test precision at capacity and AUC (within ±0.02 and
# ±0.002) for a third more time and memory; the whole data range does not fit in 24 GB.
TRAIN_MONTHS = 24
HISTORY_TABLES = ("inspections", "penalties")  # labels come from these events
WINDOW_RECORD = "_retrain_window.json"  # the window last kept, with the data it was kept for


def retrain_window(history_start: pd.Timestamp, data_end: pd.Timestamp,
                   train_months: int | None = None) -> dict[str, list[pd.Timestamp]]:
    """Per industry, the month-end as-of dates retraining uses: train, calibration, test."""
    train_months = train_months or TRAIN_MONTHS
    months = list(pd.date_range(history_start, data_end, freq="ME"))
    window: dict[str, list[pd.Timestamp]] = {}
    for key, spec in default_config().industries.items():
        horizon = pd.Timedelta(days=spec.horizon_days)
        labelled = [d for d in months if d + horizon - pd.Timedelta(days=1) <= data_end]
        tests = labelled[-TEST_DATES:]
        earlier = [d for d in labelled if tests and d <= tests[0] - horizon]
        if not earlier:  # too little history: keep what there is, the split will say why
            window[key] = labelled
            continue
        calibration = earlier[-1]
        gap = pd.Timedelta(days=spec.random_window_days)
        later = [d for d in labelled if calibration <= d <= tests[0] - gap]
        train = [d for d in labelled if d < calibration][-train_months:]
        window[key] = [*train, *later, *tests]
    return window


def _window_key(fingerprint: str) -> dict[str, object]:
    return {"source_fingerprint": fingerprint, "config_hash": config_hash(),
            "feature_set_version": FEATURE_SET_VERSION, "train_months": TRAIN_MONTHS}


def _reusable(out: Path, fingerprint: str) -> set[tuple[str, str]]:
    """(industry, as-of) partitions already built from these sources, config and features."""
    path = out / MANIFEST
    if not path.exists():
        return set()
    manifest = json.loads(path.read_text("utf-8"))
    same = (manifest.get("source_fingerprint") == fingerprint
            and manifest.get("config_hash") == config_hash()
            and manifest.get("feature_set_version") == FEATURE_SET_VERSION)
    return {(p["industry"], p["as_of"]) for p in manifest["partitions"]} if same else set()


def _keep_only(out: Path, wanted: set[tuple[str, str]]) -> None:
    """Remove every partition outside the window, on disk and from the manifest."""
    for folder in out.glob("industry=*/*as_of=*"):
        key = (folder.parent.name.removeprefix("industry="), folder.name.split("as_of=")[-1])
        if key not in wanted or folder.name.startswith("."):
            shutil.rmtree(folder)
    path = out / MANIFEST
    if not path.exists():
        return
    manifest = json.loads(path.read_text("utf-8"))
    kept = [p for p in manifest["partitions"] if (p["industry"], p["as_of"]) in wanted]
    manifest["partitions"] = kept
    manifest["row_counts"] = {key: sum(p["rows"] for p in kept if p["industry"] == key)
                              for key in sorted({p["industry"] for p in kept})}
    side = path.with_name(path.name + ".partial")
    side.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    os.replace(side, path)


def _up_to_date(out: Path, fingerprint: str) -> bool:
    """Whether `out` holds the whole window, built from this data, config and feature code."""
    record = out / WINDOW_RECORD
    return (record.exists() and bool(_reusable(out, fingerprint))
            and json.loads(record.read_text("utf-8")).get("key") == _window_key(fingerprint))


def refresh_features(sources: str | Path, out: Path,
                     extra: dict[str, pd.DataFrame] | None = None,
                     fingerprint: str | None = None) -> None:
    """Features for the retraining window (`retrain_window`) from these sources (plus `extra`
    rows per table: inspection outcomes recorded through the service). Partitions already built
    from the same data are kept, missing ones built, those outside the window removed.
    `fingerprint`: `fingerprint_of(sources, extra)` when the caller has it already."""
    fingerprint = fingerprint or fingerprint_of(sources, extra)
    if _up_to_date(out, fingerprint):
        return
    loaded = load_sources(sources)
    for table, rows in (extra or {}).items():
        if len(rows):
            loaded.tables[table] = pd.concat([loaded.tables[table], rows], ignore_index=True)
    starts = [loaded.tables[t]["known_at"].min() for t in HISTORY_TABLES
              if len(loaded.tables[t])]
    window = retrain_window(min(starts) if starts else loaded.data_end, loaded.data_end)
    wanted = {(key, f"{d:%Y-%m-%d}") for key, dates in window.items() for d in dates}
    missing = sorted({pd.Timestamp(as_of) for _, as_of in wanted - _reusable(out, fingerprint)})
    if missing:
        build_dataset(sources, out, missing, list(window), loaded=loaded,
                      fingerprint=fingerprint)
    _keep_only(out, wanted)
    (out / WINDOW_RECORD).write_text(json.dumps({"key": _window_key(fingerprint), "window": {
        key: [f"{d:%Y-%m-%d}" for d in dates] for key, dates in window.items()}}, indent=2),
        "utf-8")


def refresh_features_apart(sources: str | Path, out: Path,
                           extra: dict[str, pd.DataFrame] | None = None) -> None:
    """`refresh_features` in a process of its own, so that its memory is the system's again
    before training loads the rows: freed in process, glibc's heap and Arrow's pool kept
    1.3–1.9 GB of it at city scale and training's peak came on top (benchmarks/RESULTS.md).
    Features already up to date start no process."""
    fingerprint = fingerprint_of(sources, extra)
    if _up_to_date(out, fingerprint):
        return
    spawn = multiprocessing.get_context("spawn")  # a fork would copy MLflow's open clients
    with ProcessPoolExecutor(1, mp_context=spawn) as apart:
        apart.submit(refresh_features, sources, out, extra, fingerprint).result()


def _already_trained(features: Path, industry: str) -> bool:
    params = {**DEFAULT_PARAMS, **tuned_params(industry)}
    return same_as(industry, "challenger",
                   identity(features, industry, params, 0, "pandas")) is not None


def retrain(sources: str | Path, features: Path = DEFAULT_FEATURES,
            step: Callable[[str], None] | None = None,
            extra: dict[str, pd.DataFrame] | None = None) -> list[Outcome]:
    """`extra`: rows to add to the source tables (outcomes recorded through the service)."""
    tracking.client()
    attempts.roll_back_unfinished(INDUSTRY_KEYS)  # a run killed while registering
    refresh_features_apart(sources, features, extra)
    pending: list[tuple[str, str, bool, str, dict[str, float]]] = []
    outcomes: list[Outcome] = []
    for industry in INDUSTRY_KEYS:
        if step:
            step(industry)
        if _already_trained(features, industry):
            current = tracking.version_by_alias(industry, "challenger")
            outcomes.append(Outcome(industry, "unchanged", "already trained on this data",
                                    str(current.version) if current else None))
            continue
        trained = train_industry(features, industry, register=False)
        champion = tracking.version_by_alias(industry, "champion")
        old = version_uri(industry, str(champion.version)) if champion else None
        promoted, reason, figures = judge(industry, trained.model_uri, old, features)
        pending.append((industry, trained.run_id, promoted, reason, figures))
    if not pending:
        return outcomes
    # the only registry writes: every industry's or none (training/attempts.py)
    industries = [key for key, *_ in pending]
    attempt = attempts.begin(industries)
    versions = {key: str(mlflow.register_model(
        f"runs:/{run_id}/model", tracking.model_name(key),
        tags={attempts.ATTEMPT: attempt}).version) for key, run_id, *_ in pending}
    decisions = []
    for key, _, promoted, reason, figures in pending:
        champion = tracking.version_by_alias(key, "champion")
        before = str(champion.version) if champion else None
        tracking.set_alias(key, "challenger", versions[key])
        if promoted:
            tracking.set_alias(key, "champion", versions[key])
        decisions.append(Decision(key, promoted, reason, versions[key], before, figures))
    attempts.finish(industries)
    for decision in decisions:
        log_decision(decision)
        outcomes.append(Outcome(decision.industry, "promoted" if decision.promoted
                                else "not promoted", decision.reason, decision.challenger))
    return outcomes
