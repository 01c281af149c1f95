"""`riskwarn score`: the nightly batch. Features for every active firm of the industries with a
champion, probability, tier and reasons, written as one scoring run that becomes visible only
when complete: a crash half-way leaves the previous run what everyone sees."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from features.ready import ready_sources
from serving.store import runs
from serving.store.users import audit
from training.champions import load_versions
from training.scoring import score_firms


@dataclass
class Outcome:
    run_id: int
    firms: int
    by_tier: dict[str, int]
    model_versions: dict[str, str]


def location_of(sources: str) -> str:
    """A folder as an absolute path (the service finds it later from any directory)."""
    return sources if "://" in sources else str(Path(sources).resolve())


def steps(versions: dict[str, str]) -> int:
    """Progress steps of one run: load, features, one per industry, write."""
    return 3 + len(versions)


def score_run(engine: Engine, sources: str, as_of: pd.Timestamp, versions: dict[str, str],
              step: Callable[[], None] = lambda: None) -> Outcome:
    """Score with these champion versions (industry -> registered version), loaded in a
    thread while the sources load: at city scale that hides most of their 1–2 s."""
    runs.fail_abandoned(engine)
    run_id = runs.start_run(engine, as_of.date(), location_of(sources), versions)
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="champions") as pool:
            loading = pool.submit(load_versions, versions)
            ready = ready_sources(sources)  # loaded and prepared once for the same files
            champions = loading.result()
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
