"""`riskwarn score`: the nightly batch. Features for every active firm of the industries with a
champion, probability, tier and reasons, written as one scoring run that becomes visible only
when complete: a crash half-way leaves the previous run what everyone sees."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from features.industries import INDUSTRY_KEYS
from features.ready import ready_sources
from serving.store import runs
from serving.store.users import audit
from training.scoring import score_firms
from training.served import Champion

NO_CHAMPIONS = ("no industry has a champion model yet: run `riskwarn train` and "
                "`riskwarn promote` (or `riskwarn demo`) first")


class NoChampions(ValueError):
    """The registry has no champion for any industry: nothing to score."""


@dataclass
class Outcome:
    run_id: int
    firms: int
    by_tier: dict[str, int]
    model_versions: dict[str, str]


def location_of(sources: str) -> str:
    """A folder as an absolute path (the service finds it later from any directory)."""
    return sources if "://" in sources else str(Path(sources).resolve())


def steps() -> int:
    """Progress steps of one run: load, features, one per industry (done at once for an
    industry without a champion), write."""
    return 3 + len(INDUSTRY_KEYS)


def score_run(engine: Engine, sources: str, as_of: pd.Timestamp,
              step: Callable[[], None] = lambda: None) -> Outcome:
    """Score with each industry's champion in the registry. The registry is read
    (MLflow imported, versions looked up, the run recorded) and the models loaded in a thread
    while the sources load: at city scale that hides about 3 s of the main thread's."""
    runs.fail_abandoned(engine)
    with ThreadPoolExecutor(1, thread_name_prefix="champions") as pool:
        started = pool.submit(_start, engine, sources, as_of)  # (run id, versions)
        loading = pool.submit(lambda: _load(started.result()[1]))
        try:
            ready = ready_sources(sources)  # loaded and prepared once for the same files
            champions = loading.result()
        except BaseException as exc:
            _fail_started(engine, started, exc)
            raise
    run_id, versions = started.result()
    try:
        step()
        for _ in range(len(INDUSTRY_KEYS) - len(versions)):
            step()
        scored = score_firms(ready.prep, ready.names, as_of, champions, step=step)
        runs.write_warnings(engine, run_id, scored)
    except BaseException as exc:
        runs.fail_run(engine, run_id, f"{type(exc).__name__}: {exc}")
        raise
    runs.finish_run(engine, run_id, len(scored))
    step()
    by_tier = {str(k): int(v) for k, v in scored["tier"].value_counts().sort_index().items()}
    audit(engine, None, "score run", str(run_id),
          {"as_of": f"{as_of:%Y-%m-%d}", "firms": len(scored), "models": versions})
    return Outcome(run_id, len(scored), by_tier, versions)


def _start(engine: Engine, sources: str, as_of: pd.Timestamp) -> tuple[int, dict[str, str]]:
    """The champions' registered versions, recorded as a new running run."""
    from training.champions import versions  # MLflow: imported off the main thread

    chosen = versions()
    if not chosen:
        raise NoChampions(NO_CHAMPIONS)
    return runs.start_run(engine, as_of.date(), location_of(sources), chosen), chosen


def _load(chosen: dict[str, str]) -> dict[str, Champion]:
    from training.champions import load_versions

    return load_versions(chosen)


def _fail_started(engine: Engine, started: Future[tuple[int, dict[str, str]]],
                  exc: BaseException) -> None:
    """Mark the run failed if the registry lookup had recorded one."""
    if started.exception() is None:
        runs.fail_run(engine, started.result()[0], f"{type(exc).__name__}: {exc}")
