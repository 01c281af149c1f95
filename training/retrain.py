"""`riskwarn retrain`: one retraining run for every industry — features, train, evaluate,
gate, promote — that changes the registry only at the very end.

Models are trained and logged without registration; only when every industry has been
trained and judged are versions registered and aliases moved, so a failure or a kill at any
earlier step leaves `champion` (and every alias) as it was. A run on data, configuration and
parameters already trained on changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from features import settings
from features.dataset import MANIFEST, build_dataset, source_fingerprint
from features.industries import INDUSTRY_KEYS, config_hash
from features.loading import load_sources
from training import tracking
from training.model import DEFAULT_PARAMS
from training.promote import Decision, judge, log_decision, version_uri
from training.train import data_fingerprint, params_hash, train_industry, tuned_params

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


def refresh_features(sources: str | Path, out: Path,
                     extra: dict[str, pd.DataFrame] | None = None) -> None:
    """Monthly features over the whole data range, unless already built from these sources
    (plus `extra` rows per table: inspection outcomes recorded through the service)."""
    manifest = out / MANIFEST
    fingerprint = fingerprint_of(sources, extra)
    if manifest.exists() and json.loads(manifest.read_text("utf-8")).get(
            "source_fingerprint") == fingerprint:
        return
    loaded = load_sources(sources)
    for table, rows in (extra or {}).items():
        if len(rows):
            loaded.tables[table] = pd.concat([loaded.tables[table], rows], ignore_index=True)
    known = [t["known_at"] for t in loaded.tables.values() if "known_at" in t and len(t)]
    start = min(k.min() for k in known)
    end = max(k.max() for k in known)
    dates = list(pd.date_range(start, end, freq="ME"))
    build_dataset(sources, out, dates, list(INDUSTRY_KEYS), loaded=loaded,
                  fingerprint=fingerprint)


def _already_trained(features: Path, industry: str) -> bool:
    challenger = tracking.version_by_alias(industry, "challenger")
    if challenger is None:
        return False
    tags = tracking.client().get_run(str(challenger.run_id)).data.tags
    params = {**DEFAULT_PARAMS, **tuned_params(industry)}
    return (tags.get("data_fingerprint") == data_fingerprint(features, industry)
            and tags.get("config_hash") == config_hash()
            and tags.get("params_hash") == params_hash(params, 0))


def retrain(sources: str | Path, features: Path = DEFAULT_FEATURES,
            step: Callable[[str], None] | None = None,
            extra: dict[str, pd.DataFrame] | None = None) -> list[Outcome]:
    """`extra`: rows to add to the source tables (outcomes recorded through the service)."""
    tracking.client()
    refresh_features(sources, features, extra)
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
    for key, run_id, promoted, reason, figures in pending:  # the only registry writes
        version: str = str(mlflow.register_model(f"runs:/{run_id}/model",
                                                 tracking.model_name(key)).version)
        champion = tracking.version_by_alias(key, "champion")
        before = str(champion.version) if champion else None
        tracking.set_alias(key, "challenger", version)
        if promoted:
            tracking.set_alias(key, "champion", version)
        log_decision(Decision(key, promoted, reason, version, before, figures))
        outcomes.append(Outcome(key, "promoted" if promoted else "not promoted", reason,
                                version))
    return outcomes
