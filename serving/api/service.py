"""The BentoML service: a thin shell over `serving.workspace.scores`.

Started by `riskwarn serve` (or `bentoml serve serving.api.service:RiskWarn`), with its state
from the environment (`serving.api.startup`). A worker takes connections once it is warm.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
import bentoml
from pydantic import Field
from starlette.responses import JSONResponse

from features.loading import SourceError
from serving.api import traffic
from serving.api.auth import TokenAuth
from serving.api.nightly_gauge import NightlyGauge
from serving.api.openapi import PublishedSchema
from serving.api.refusals import Refusals, api_status
from serving.api.schemas import (
    Day,
    DecisionResponse,
    FirmDetail,
    FirmRef,
    IndustryKey,
    Limit,
    ModelsResponse,
    Offset,
    OutcomeResponse,
    OutcomeResult,
    PlanResponse,
    PublicPlanResponse,
    Ratios,
    RowId,
    ScheduleResponse,
    ScoreResponse,
    Seed,
    Share,
    Tier,
    UsersResponse,
    WarningKind,
    WarningsResponse,
)
from serving.api.startup import load_workspace
from serving.store.database import DatabaseError, open_database
from serving.store.users import list_users
from serving.ui import app as ui
from serving.workspace import plans as plans_api
from serving.workspace import review as review_api
from serving.workspace.scores import ApiError

F = TypeVar("F", bound=Callable[..., Any])

REQUESTS = bentoml.metrics.Counter(
    name="riskwarn_requests", documentation="API requests by endpoint and status",
    labelnames=["endpoint", "status"])
SCORED = bentoml.metrics.Counter(
    name="riskwarn_scored_firms", documentation="firms answered by /score, by tier",
    labelnames=["tier"])


REFUSALS = (ApiError, SourceError, DatabaseError)

traffic.install()  # BentoML's request timeout, with its timer cancelled once answered
# /score's model work, one thread a core: more add no speed under the GIL but each keeps its own
# allocator pools (8 at once: ~90 MB more a worker)
MODEL_WORK = anyio.CapacityLimiter(len(os.sched_getaffinity(0)))


def answers(endpoint: str) -> Callable[[F], F]:
    """Turn a refusal into a JSON 4xx (or 503) and count every answer by endpoint; for plain
    and `async def` endpoints alike."""
    def wrap(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def waited(*args: Any, **kwargs: Any) -> Any:
                try:
                    return _answered(endpoint, await fn(*args, **kwargs))
                except REFUSALS as exc:
                    return _refuse(kwargs["ctx"], endpoint, exc)
            return waited  # type: ignore[return-value]

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return _answered(endpoint, fn(*args, **kwargs))
            except REFUSALS as exc:
                return _refuse(kwargs["ctx"], endpoint, exc)
        return inner  # type: ignore[return-value]
    return wrap


def _answered(endpoint: str, result: Any) -> Any:
    REQUESTS.labels(endpoint=endpoint, status="200").inc()
    return result


def _refuse(ctx: bentoml.Context, endpoint: str, exc: Exception) -> JSONResponse:
    """A JSON 4xx for what the caller can fix; 503 when the sources or database are away."""
    if isinstance(exc, ApiError):
        status, body = api_status(exc.status), exc.body()
    else:
        status, body = 503, {"error": f"not available: {exc}"}
    REQUESTS.labels(endpoint=endpoint, status=str(status)).inc()
    ctx.response.status_code = status  # BentoML copies it over the response's own
    return JSONResponse(body, status_code=status)


def _user(ctx: bentoml.Context) -> Any:
    return ctx.request.state.user


def _note(ctx: bentoml.Context, **detail: Any) -> None:
    """What the audit row of this request records beside who, what and when."""
    ctx.request.scope.setdefault("state", {})["audit"] = detail


@bentoml.asgi_app(ui.app, path="/ui")  # the review workspace (serving/ui)
@bentoml.service(name="riskwarn", traffic={"timeout": 120},
                 http={"cors": {"enabled": False}})
class RiskWarn:
    def __init__(self) -> None:
        self.workspace = load_workspace()
        ui.register(self.workspace)
        # the sources and the feature rows `fresh` reads, loaded in a thread (a failed
        # warm-up leaves the loading to requests)
        self.warming = threading.Thread(target=self.workspace.warm, name="warm-up", daemon=True)
        self.warming.start()

    @bentoml.on_startup
    async def accept_once_warm(self) -> None:
        """A BentoML worker listens only after its startup hooks: waiting here for the warm-up
        means no request reaches a worker still building its rows (each worker's `/readyz`
        speaks only for itself, so a second worker took `fresh` requests while warming)."""
        await anyio.to_thread.run_sync(self.warming.join)

    def __is_ready__(self) -> bool:
        """/readyz: ready once the warm-up is over."""
        return not self.warming.is_alive()

    @bentoml.api(route="/score")
    @answers("score")
    async def score(self, firms: Annotated[list[FirmRef], Field(min_length=1, max_length=1000)],
                    fresh: Annotated[bool, Field(strict=True)] = False,
                    ctx: bentoml.Context = None) -> ScoreResponse:  # type: ignore[assignment]
        """Scores with reasons for up to 1,000 firms, from the latest run (or `fresh`)."""
        usccs = [f.uscc for f in firms]
        _note(ctx, firms=usccs[:20], count=len(usccs), fresh=fresh)
        user = _user(ctx)
        # stored answers on the event loop (~0.3 ms); model work in a thread
        results = None if fresh or len(usccs) > 20 else self.workspace.score_quick(user, usccs)
        if results is None:
            results = await anyio.to_thread.run_sync(self.workspace.score, user, usccs, fresh,
                                                    limiter=MODEL_WORK)
        for r in results:
            SCORED.labels(tier=r.get("tier", "error")).inc()
        return ScoreResponse.model_validate({"results": results})

    @bentoml.api(route="/warnings")
    @answers("warnings")
    def warnings(self, industry: IndustryKey | None = None, town_code: str | None = None,
                 tier: Tier | None = None,
                 min_probability: Share | None = None, limit: Limit = 50,
                 offset: Offset = 0, kind: WarningKind = "model",
                 ctx: bentoml.Context = None) -> WarningsResponse:  # type: ignore[assignment]
        """The latest run's warning list, ranked by probability (`kind` model), or the open
        early-warning triggers, newest first (`kind` trigger); filtered and paginated."""
        filters: dict[str, Any] = {"industry": industry, "town_code": town_code, "tier": tier,
                   "min_probability": min_probability, "limit": limit, "offset": offset,
                   "kind": kind}
        _note(ctx, **filters)
        return WarningsResponse.model_validate(self.workspace.warnings(_user(ctx), **filters))

    @bentoml.api(route="/firm")
    @answers("firm")
    def firm(self, uscc: Annotated[str, Field(max_length=64)],
             ctx: bentoml.Context = None) -> FirmDetail:  # type: ignore[assignment]
        """One firm: current score and reasons, score history and timeline of events."""
        _note(ctx, uscc=uscc)
        return FirmDetail.model_validate(self.workspace.firm(_user(ctx), uscc))

    @bentoml.api(route="/models")
    @answers("models")
    def models(self, ctx: bentoml.Context = None  # type: ignore[assignment]
               ) -> ModelsResponse:
        """Champion and challenger per industry with version, periods and test metrics."""
        return ModelsResponse.model_validate({"models": self.workspace.models})

    @bentoml.api(route="/schedule")
    @answers("schedule")
    def schedule(self, start: Day, end: Day, industry: IndustryKey | None = None,
                 seed: Seed | None = None, ratios: Ratios | None = None,
                 targeted_share: Share | None = None,
                 ctx: bentoml.Context = None  # type: ignore[assignment]
                 ) -> ScheduleResponse:
        """(scheduler) Plan the period's inspections: random by tier and town, targeted,
        inspectors assigned; stored and audited, every re-draw included."""
        _note(ctx, start=str(start), end=str(end), industry=industry, seed_given=seed
              is not None)
        return ScheduleResponse.model_validate(plans_api.schedule(
            self.workspace, _user(ctx), start=start, end=end, industry=industry, seed=seed,
            ratios=ratios,
            targeted_share=targeted_share))

    @bentoml.api(route="/plan")
    @answers("plan")
    def plan(self, plan_id: RowId,
             inspector_id: Annotated[str | None, Field(max_length=64)] = None,
             public: Annotated[bool, Field(strict=True)] = False,
             ctx: bentoml.Context = None  # type: ignore[assignment]
             ) -> PlanResponse:
        """(officer) A stored plan, one inspector's share of it, or its public version."""
        _note(ctx, plan_id=plan_id, inspector_id=inspector_id, public=public)
        shown = plans_api.show_plan(self.workspace, _user(ctx), plan_id, inspector_id, public)
        if public:  # only the public keys: not even empty seed or summary keys
            return JSONResponse(PublicPlanResponse.model_validate(shown).model_dump())  # type: ignore[return-value]
        return PlanResponse.model_validate(shown)

    @bentoml.api(route="/outcomes")
    @answers("outcomes")
    def outcomes(self, plan_id: RowId,
                 uscc: Annotated[str, Field(max_length=64)], result: OutcomeResult,
                 inspected_on: Day,
                 note: Annotated[str | None, Field(max_length=2000)] = None,
                 ctx: bentoml.Context = None  # type: ignore[assignment]
                 ) -> OutcomeResponse:
        """(officer) Record what a planned visit found; the next retraining learns from it."""
        _note(ctx, plan_id=plan_id, uscc=uscc, result=result)
        return OutcomeResponse.model_validate(plans_api.record_outcome(
            self.workspace, _user(ctx), plan_id=plan_id, uscc=uscc, result=result,
            inspected_on=inspected_on, note=note))

    @bentoml.api(route="/decisions")
    @answers("decisions")
    def decisions(self, uscc: Annotated[str, Field(max_length=64)],
                  decision: Literal["confirm", "dismiss", "escalate"],
                  reason: Annotated[str | None, Field(max_length=2000)] = None,
                  note: Annotated[str | None, Field(max_length=2000)] = None,
                  trigger_id: RowId | None = None,
                  ctx: bentoml.Context = None  # type: ignore[assignment]
                  ) -> DecisionResponse:
        """(officer) Confirm (a targeted-inspection candidate), dismiss (reason required) or
        escalate a warning of the latest run, or with `trigger_id` that trigger warning of the
        firm; a second decision is refused with the first."""
        _note(ctx, uscc=uscc, decision=decision, trigger_id=trigger_id)
        if trigger_id is not None:
            return DecisionResponse.model_validate(review_api.decide_trigger(
                self.workspace, _user(ctx), uscc=uscc, trigger_id=trigger_id,
                decision=decision, reason=reason, note=note))
        return DecisionResponse.model_validate(review_api.decide(
            self.workspace, _user(ctx), uscc=uscc, decision=decision, reason=reason,
            note=note))

    @bentoml.api(route="/users")
    @answers("users")
    def users(self, ctx: bentoml.Context = None  # type: ignore[assignment]
              ) -> UsersResponse:
        """(admin) The service's users, roles and towns; never tokens."""
        return UsersResponse.model_validate({"users": list_users(self.workspace.engine)})


# outermost first: refusals shaped and logged, the true schema, then access control
RiskWarn.add_asgi_middleware(Refusals)  # type: ignore[attr-defined]
RiskWarn.add_asgi_middleware(PublishedSchema, service=lambda: RiskWarn)  # type: ignore[attr-defined]
RiskWarn.add_asgi_middleware(TokenAuth, engine=open_database)  # type: ignore[attr-defined]
RiskWarn.add_asgi_middleware(NightlyGauge, engine=open_database)  # type: ignore[attr-defined]
