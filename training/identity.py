"""What makes two trained models the same model: the data (the feature dataset's partitions
of the industry and the sources they came from), the industry configuration, the
parameters and seed, the engine and the code. A model identical to a registered one is not
registered again, and a challenger identical to the champion is "no change"."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from features.industries import config_hash
from training import tracking

IDENTITY_TAGS = ("data_fingerprint", "config_hash", "params_hash", "code_hash", "engine")


def params_hash(params: dict[str, Any], seed: int) -> str:
    text = json.dumps({"params": params, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def data_fingerprint(features: Path, industry: str) -> str:
    manifest = json.loads((Path(features) / "_manifest.json").read_text("utf-8"))
    mine = [p for p in manifest["partitions"] if p["industry"] == industry]
    text = json.dumps([manifest["source_fingerprint"], manifest["feature_set_version"], mine],
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def code_hash() -> str:
    """SHA-256 over the feature and training code (what turns data into a model)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in ("features", "training"):
        for file in sorted((root / package).rglob("*.py")):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def identity(features: Path, industry: str, params: dict[str, Any], seed: int,
             engine: str) -> dict[str, str]:
    """The tags a training run carries that say which model it made."""
    return {"data_fingerprint": data_fingerprint(features, industry),
            "config_hash": config_hash(), "params_hash": params_hash(params, seed),
            "code_hash": code_hash(), "engine": engine}


def same_as(industry: str, alias: str, tags: dict[str, str]) -> str | None:
    """The version behind `alias` if its training run carries these identity tags."""
    version = tracking.version_by_alias(industry, alias)
    if version is None:
        return None
    held = tracking.client().get_run(str(version.run_id)).data.tags
    same = all(tags.get(k) is not None and held.get(k) == tags.get(k) for k in IDENTITY_TAGS)
    return str(version.version) if same else None
