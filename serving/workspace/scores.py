"""What the service does, without HTTP: answers for /score, /warnings, /firm and /models from
the latest complete scoring run, the champions and the sources. The BentoML service is a thin
shell over this; the batch command shares the same scoring code (`training.scoring`).

Errors a caller can fix are `ApiError`s with a status, a message and the field at fault.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from features.codes import uscc_rule_numbers
from serving.store import decisions, runs
from serving.store.columns import load_json
from serving.store.revalidating import Revalidating
from serving.store.users import User
from serving.workspace import firm_detail, loaded, triggers
from serving.workspace.loaded import Loaded
from training.scoring import score_frames
from training.served import Champion

RUN_CACHE_SECONDS = 2.0  # a finished run becomes visible within this
RUN_REFRESH_SECONDS = 1.0  # the latest run is read again behind the requests after this


class ApiError(Exception):
    """A refusal the caller can act on: HTTP status, what was wrong, and which field."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **({"field": self.field} if self.field else {}),
                **self.extra}


MALFORMED = "malformed unified social credit code (18 characters, GB 32100 check digits)"


def check_codes(usccs: list[str]) -> dict[str, str | None]:
    """Why each credit code is malformed, or None (one vectorised check per request)."""
    unique = list(dict.fromkeys(usccs))
    valid = uscc_rule_numbers(unique) == 0
    return {u: None if ok else MALFORMED for u, ok in zip(unique, valid, strict=True)}


def check_code(uscc: str) -> str | None:
    """Why a credit code is malformed, or None."""
    return check_codes([uscc])[uscc]


def keep_long_lived() -> None:
    """Take what is loaded now out of the cycle collector's full passes: with the libraries,
    champions, sources and feature rows loaded (~0.5 M objects on the demo data, mostly the
    libraries') each full pass stopped every request for 0.3-0.5 s. Called after each load,
    so what a new load replaced is collected once (one such pass, in the loading thread)
    instead of kept forever."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Workspace:
    def __init__(self, engine: Engine, champions: dict[str, Champion],
                 sources: str | None = None, models: list[dict[str, Any]] | None = None):
        self.engine, self.champions, self.models = engine, champions, models or []
        self._sources_arg = sources
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._run: Revalidating[str, runs.Run | None] = Revalidating(
            lambda _: runs.latest_run(engine), fresh_for=RUN_REFRESH_SECONDS,
            max_age=RUN_CACHE_SECONDS)
        self._frames: dict[tuple[str, pd.Timestamp], dict[str, pd.DataFrame]] = {}
        self._frames_lock = threading.Lock()

    # -- state -----------------------------------------------------------------------------
    def latest_run(self) -> runs.Run | None:
        return self._run.get("latest")

    def sources_location(self) -> str | None:
        if self._sources_arg:
            return self._sources_arg
        run = self.latest_run()
        return run.sources if run else None

    def loaded(self) -> Loaded:
        """The sources and their prepared arrays, loaded on first need and kept (mapped from
        the entry every worker shares: `serving.workspace.loaded`)."""
        location = self.sources_location()
        if location is None:
            raise ApiError(503, "no sources known yet: run `riskwarn score` or start the "
                                "service with --sources")
        with self._lock:
            if self._loaded is None or self._loaded.location != location:
                self._loaded = loaded.load(location)
                keep_long_lived()
            return self._loaded

    def fresh_as_of(self) -> pd.Timestamp:
        """The date `fresh` scores on: the day after the sources' last."""
        return self.loaded().sources.data_end + pd.Timedelta(days=1)

    def warm(self) -> None:
        """Load the sources and build the feature rows `fresh` reads now, not on a first
        request (the service calls this in a background thread at start). The latest run's
        rows are not needed: its stored answers carry their reasons."""
        if self.sources_location() is not None:
            as_of = self.fresh_as_of()
            # and one firm of each industry scored, so that the first `fresh` request does not
            # pay the path's one-off costs (at city scale 140-170 ms against 70 after)
            firsts = [f["uscc"].iloc[0] for f in self.frames(as_of).values() if len(f)]
            if firsts:
                self._compute(firsts, as_of)

    def frames(self, as_of: pd.Timestamp) -> dict[str, pd.DataFrame]:
        """Every active firm's feature rows on `as_of` per industry: built once for every
        worker with the batch's own `build_as_of` (`loaded.frames`), the latest two dates
        kept."""
        sources = self.loaded()
        key = (sources.location, as_of)
        with self._frames_lock:
            if key not in self._frames:
                while len(self._frames) >= 2:
                    self._frames.pop(next(iter(self._frames)))
                self._frames[key] = loaded.frames(sources, as_of, list(self.champions))
                keep_long_lived()
            return self._frames[key]

    def confirmed_firms(self) -> list[str]:
        """Firms officers confirmed on the latest run's warnings: the targeted list's head."""
        run = self.latest_run()
        return [] if run is None else decisions.confirmed_firms(self.engine, run.id)

    # -- /score ----------------------------------------------------------------------------
    def score(self, user: User, usccs: list[str], fresh: bool) -> list[dict[str, Any]]:
        """One answer per requested code, in order: a score or an error for that firm."""
        problems = check_codes(usccs)
        valid = [u for u, p in problems.items() if p is None]
        return self._answers(user, usccs, problems,
                             self._fresh(valid) if fresh else self._stored(valid), fresh)

    def score_quick(self, user: User, usccs: list[str]) -> list[dict[str, Any]] | None:
        """The answer from stored rows alone (a few database reads, no model), or None when
        some firm's reasons must first be computed."""
        problems = check_codes(usccs)
        run = self.latest_run()
        valid = [u for u, p in problems.items() if p is None]
        found = runs.scores_for(self.engine, run.id, valid) if run and valid else {}
        if self._unexplained(found):
            return None
        return self._answers(user, usccs, problems, found, fresh=False)

    def _answers(self, user: User, usccs: list[str], problems: dict[str, str | None],
                 found: dict[str, dict[str, Any]], fresh: bool) -> list[dict[str, Any]]:
        out = []
        for uscc in usccs:
            row = found.get(uscc)
            if problems[uscc]:
                out.append({"uscc": uscc, "error": problems[uscc]})
            elif row is None:
                out.append({"uscc": uscc, "error": "not an active firm of a watched industry "
                            "in the latest scoring run" if not fresh else
                            "not an active firm of an industry with a champion model"})
            elif not user.can_see_town(row["town_code"]):
                out.append({"uscc": uscc, "error": "this firm is outside your towns"})
            else:
                out.append(_scored(row))
        return out

    def _stored(self, usccs: list[str]) -> dict[str, dict[str, Any]]:
        run = self.latest_run()
        if run is None or not usccs:
            return {}
        found = runs.scores_for(self.engine, run.id, usccs)
        missing = self._unexplained(found)
        if missing:  # tier A: reasons on request, from the run's own as-of date
            explained = self._compute(missing, pd.Timestamp(run.as_of))
            for uscc, row in explained.items():
                found[uscc]["reasons"] = row["reasons"]
                runs.set_reasons(self.engine, run.id, uscc, row["reasons"])
        return found

    def _unexplained(self, found: dict[str, dict[str, Any]]) -> list[str]:
        """Stored rows without reasons that the loaded champion can explain (its version
        scored them)."""
        return [u for u, r in found.items() if r["reasons"] is None
                and (champion := self.champions.get(r["industry"])) is not None
                and champion.version == str(r["model_version"])]

    def _fresh(self, usccs: list[str]) -> dict[str, dict[str, Any]]:
        return self._compute(usccs, self.fresh_as_of()) if usccs else {}

    def _compute(self, usccs: list[str], as_of: pd.Timestamp) -> dict[str, dict[str, Any]]:
        """Scores with reasons for these firms on `as_of`, from the kept feature rows."""
        # a scan of the credit codes (Arrow's is_in: ~4 ms for the city's 200 k food firms), not
        # an index: its Python strings and hash table would hold ~30 MB in every worker
        rows = {industry: found.reset_index(drop=True)
                for industry, frame in self.frames(as_of).items()
                if len(found := frame.loc[frame["uscc"].isin(usccs).to_numpy()])}
        scored = score_frames(rows, self.champions, self.loaded().sources["registrations"],
                              as_of, threads=1)
        return {str(r["uscc"]): {**{str(k): v for k, v in r.items()},
                                 "reasons": load_json(r["reasons"])}
                for r in scored.to_dict("records")}

    # -- /warnings -------------------------------------------------------------------------
    def warnings(self, user: User, *, industry: str | None = None,
                 town_code: str | None = None, tier: str | None = None,
                 min_probability: float | None = None, limit: int = 50,
                 offset: int = 0, kind: str = "model") -> dict[str, Any]:
        if town_code is not None and not user.can_see_town(town_code):
            raise ApiError(403, f"town {town_code} is outside your towns", "town_code")
        run = self.latest_run()
        if kind == "trigger":
            if tier is not None or min_probability is not None:
                raise ApiError(422, "trigger warnings have no tier or probability to filter "
                                    "by", "tier" if tier is not None else "min_probability")
            return triggers.listing(self.engine, user.towns, run, industry=industry,
                                    town_code=town_code, limit=limit, offset=offset)
        if run is None:
            return {"items": [], "total": 0, "as_of": None, "run_id": None}
        rows, total = runs.warnings_page(
            self.engine, run.id, industry=industry, town_code=town_code, tier=tier,
            min_probability=min_probability, towns=user.towns, limit=limit, offset=offset)
        shown = ("uscc", "name", "industry", "town_code", "probability", "tier")
        items = [{"kind": "model", **{k: r[k] for k in shown},
                  "top_reason": (r["reasons"] or [None])[0]} for r in rows]
        return {"items": items, "total": total, "as_of": f"{run.as_of:%Y-%m-%d}",
                "run_id": run.id}

    # -- /firm -----------------------------------------------------------------------------
    def firm(self, user: User, uscc: str) -> dict[str, Any]:
        problem = check_code(uscc)
        if problem:
            raise ApiError(400, problem, "uscc")
        loaded = self.loaded()
        entry = firm_detail.register_entry(loaded.sources["registrations"], uscc,
                                           mask=user.role == "viewer")
        if entry is None:
            raise ApiError(404, f"no registered firm {uscc}", "uscc")
        if not user.can_see_town(entry["town_code"]):
            raise ApiError(403, "this firm is outside your towns", "uscc")
        current = self._stored([uscc]).get(uscc)
        industry = loaded.prep.firms.loc[loaded.prep.firms["uscc"] == uscc, "industry"]
        return {**entry,
                "industry": None if industry.empty or pd.isna(industry.iloc[0])
                else str(industry.iloc[0]),
                "current": _scored(current) if current else None,
                "history": [{**h, "as_of": f"{h['as_of']:%Y-%m-%d}"}
                            for h in runs.score_history(self.engine, uscc)],
                "timeline": firm_detail.timeline(loaded.sources.tables, uscc)}


def _scored(row: dict[str, Any]) -> dict[str, Any]:
    as_of = row["as_of"]
    return {"uscc": row["uscc"], "name": row["name"], "industry": row["industry"],
            "probability": float(row["probability"]), "tier": row["tier"],
            "reasons": row["reasons"] or [], "model_version": str(row["model_version"]),
            "as_of": as_of if isinstance(as_of, str) else f"{pd.Timestamp(as_of):%Y-%m-%d}"}
