"""`riskwarn nightly`: the bureau's operating loop for one as-of date.

validate → score → triggers → drift → prune (→ report on the first of a month), each step
recorded in `jobs` with its status and duration. A step already complete for the date is not
redone, so a second call does nothing and a call after a failure resumes at the failed step. A
failing step stops the night: what earlier nights wrote stays what everyone sees (a scoring run
becomes visible only when complete), and the step's failure is what the gauge and the
workspace's banner show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from serving.store import jobs

Step = tuple[str, Callable[[], dict[str, Any]]]


@dataclass(frozen=True)
class StepDone:
    """A step of the night: `done` now (with its seconds) or `skipped` (done before)."""

    step: str
    status: str
    seconds: float
    detail: dict[str, Any]


class StepFailed(RuntimeError):
    """A step failed; the message is one line naming the step and the reason."""

    def __init__(self, step: str, reason: str):
        super().__init__(f"step {step} failed: {reason}")
        self.step, self.reason = step, reason


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type (unless it says itself) and its first line."""
    problems = getattr(exc, "problems", None)
    text = "; ".join(problems) if problems else str(exc)
    first = " ".join(text.split()) or type(exc).__name__
    if isinstance(exc, ValueError | LookupError):  # these say what was wrong themselves
        return first
    return f"{type(exc).__name__}: {first}"


def run_steps(engine: Engine, as_of: date, steps: list[Step],
              report: Callable[[StepDone], None] = lambda _: None,
              starting: Callable[[str], None] = lambda _: None) -> list[StepDone]:
    """Run the steps not yet complete for `as_of`, in order, each recorded in `jobs`; raise
    StepFailed at the first failure (a KeyboardInterrupt is recorded, then re-raised)."""
    done = jobs.done_steps(engine, as_of)
    results = []
    for name, work in steps:
        if name in done:
            results.append(StepDone(name, "skipped", 0.0, done[name]))
            report(results[-1])
            continue
        starting(name)
        job = jobs.start_job(engine, as_of, name)
        began = time.perf_counter()
        try:
            detail = work()
        except Exception as exc:
            jobs.fail_job(engine, job, one_line(exc))
            raise StepFailed(name, one_line(exc)) from exc
        except BaseException as exc:  # Ctrl+C or a kill: recorded, never left running
            jobs.fail_job(engine, job, f"interrupted ({type(exc).__name__})")
            raise
        jobs.finish_job(engine, job, detail)
        results.append(StepDone(name, "done", time.perf_counter() - began, detail))
        report(results[-1])
    return results


def validate_step(sources: str, as_of: date) -> dict[str, Any]:
    """Structural problems (a missing table or column, an unreadable file) fail the night;
    rows breaking a rule are counted and set aside by every loader, as `validate` says."""
    from features.validation import validate

    if "://" not in sources and not Path(sources).is_dir():
        raise ValueError(f"{sources}: no such folder of source tables")
    report = validate(sources, as_of)
    if report.problems:
        raise ValueError("; ".join(report.problems[:3]))
    violations = report.violations
    return {"rows_with_problems": int(violations[["table", "row"]].drop_duplicates().shape[0])
            if not violations.empty else 0,
            "rows": int(report.summary["rows"].sum()) if not report.summary.empty else 0}


def score_step(engine: Engine, sources: str, as_of: date) -> dict[str, Any]:
    from serving.batch.score import score_run

    outcome = score_run(engine, sources, pd.Timestamp(as_of))
    return {"run_id": outcome.run_id, "firms": outcome.firms, "by_tier": outcome.by_tier,
            "models": outcome.model_versions}


def triggers_step(engine: Engine, sources: str, as_of: date) -> dict[str, Any]:
    from features.loading import load_sources
    from serving.batch.triggers import triggers_run

    return triggers_run(engine, load_sources(sources, as_of).tables, as_of)


def drift_step(engine: Engine, as_of: date) -> dict[str, Any]:
    from serving.batch.drift import drift_run

    return drift_run(engine, as_of)


def prune_step(engine: Engine, keep: int) -> dict[str, Any]:
    from serving.store.retention import prune

    done = prune(engine, keep)
    return {"runs_thinned": len(done.runs), "rows": done.rows}


def report_step(engine: Engine, sources: str, as_of: date) -> dict[str, Any]:
    from serving.batch.monthly_io import monthly_step

    return monthly_step(engine, sources, as_of)


def nightly_steps(engine: Engine, sources: str, as_of: date, keep: int) -> list[Step]:
    """The night's steps in order, each a function returning what it did; on the first of a
    month the last is `report`, the monthly report of the month just ended."""
    monthly: list[Step] = ([("report", lambda: report_step(engine, sources, as_of))]
                           if as_of.day == 1 else [])
    return [
        ("validate", lambda: validate_step(sources, as_of)),
        ("score", lambda: score_step(engine, sources, as_of)),
        ("triggers", lambda: triggers_step(engine, sources, as_of)),
        ("drift", lambda: drift_step(engine, as_of)),
        ("prune", lambda: prune_step(engine, keep)),
        *monthly,
    ]
