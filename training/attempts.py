"""Registry changes of one run that land for every industry or for none.

MLflow has no transaction across registered models, so a run that registers versions and moves
aliases for several industries records the attempt first: each industry's registered model is
tagged with the attempt's id and the aliases as they were, every version it registers carries
the id, and the tags are removed only when every alias has moved. A kill in between leaves the
tags behind; `roll_back_unfinished` (called before the next registry change) puts the aliases
back as they were and deletes the versions of the unfinished attempt, so no half-promoted run
and no version nobody finished with stays in the registry.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from mlflow.exceptions import MlflowException

from training import tracking

PENDING = "riskwarn.pending_attempt"  # registered-model tag: the attempt and aliases before it
ATTEMPT = "riskwarn.attempt"  # model-version tag: the attempt that registered it
ALIASES = ("champion", "challenger")


def begin(industries: Iterable[str]) -> str:
    """Record a new attempt on each industry's registered model; returns its id."""
    attempt = uuid.uuid4().hex
    client = tracking.client()
    for industry in industries:
        name = tracking.model_name(industry)
        try:
            client.get_registered_model(name)
        except MlflowException:
            client.create_registered_model(name)
        before = {alias: _version(industry, alias) for alias in ALIASES}
        client.set_registered_model_tag(name, PENDING, json.dumps(
            {"attempt": attempt, "aliases": before}))
    return attempt


def finish(industries: Iterable[str]) -> None:
    """The attempt is complete: forget it."""
    client = tracking.client()
    for industry in industries:
        client.delete_registered_model_tag(tracking.model_name(industry), PENDING)


def roll_back_unfinished(industries: Iterable[str]) -> list[str]:
    """Undo any attempt that did not finish: aliases as they were, its versions deleted.
    Returns the industries rolled back."""
    client = tracking.client()
    rolled = []
    for industry in industries:
        name = tracking.model_name(industry)
        try:
            tag = client.get_registered_model(name).tags.get(PENDING)
        except MlflowException:
            continue
        if tag is None:
            continue
        pending = json.loads(tag)
        for alias, version in pending["aliases"].items():
            if version is None:
                if _version(industry, alias) is not None:
                    client.delete_registered_model_alias(name, alias)
            else:
                tracking.set_alias(industry, alias, version)
        for found in client.search_model_versions(f"name='{name}'"):
            if found.tags.get(ATTEMPT) == pending["attempt"]:
                client.delete_model_version(name, found.version)
        client.delete_registered_model_tag(name, PENDING)
        rolled.append(industry)
    return rolled


def _version(industry: str, alias: str) -> str | None:
    found = tracking.version_by_alias(industry, alias)
    return str(found.version) if found else None
