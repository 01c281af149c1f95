"""The service's request and response types (Pydantic): what the API promises, in one place.

Requests are strict (`true` stays a boolean, `"1"` is not a number) and refuse unknown keys,
so a malformed call is a 400 naming the field rather than a guess.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Tier = Literal["A", "B", "C", "D"]
IndustryKey = Literal["food", "ecommerce", "quasi_financial"]

# every integer fits a signed 64-bit database column; every date lies in this century
MAX_INT = 2**63 - 1
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _whole(value: Any) -> Any:
    """JSON Schema counts 2176.0 as an integer: so does the API (strict otherwise)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = BeforeValidator(_whole)
RowId = Annotated[int, Field(ge=1, le=MAX_INT, strict=True), Whole]
Offset = Annotated[int, Field(ge=0, le=MAX_INT, strict=True), Whole]
Limit = Annotated[int, Field(ge=1, le=1000, strict=True), Whole]
Seed = Annotated[int, Field(ge=0, le=2**62 - 1, strict=True), Whole]
Share = Annotated[float, Field(ge=0, le=1, strict=True)]  # strict: `false` is not 0.0
Ratios = dict[str, Annotated[float, Field(strict=True)]]
Day = Annotated[date, Field(
    ge=FIRST_DAY, le=LAST_DAY, description="YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    json_schema_extra={"pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"})]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FirmRef(Request):
    # any text up to 64 characters: a malformed code is answered per firm, not refused whole
    uscc: Annotated[str, Field(max_length=64)]


class Reason(BaseModel):
    code: str = Field(description="the model input the reason is about")
    text_zh: str = Field(description="the reason in Chinese, ending with its effect, e.g. "
                         "\"近三年受行政处罚2次 · +18 个百分点\"")
    text_en: str
    value: float | None = Field(description="the firm's value of the input")
    reference: float | None = Field(default=None, description="the value it is compared "
                                    "with: the industry's median (or the firm's peers')")
    effect_pp: float | None = Field(
        default=None, description="how much this input raises the firm's probability, in "
        "percentage points; the effects of all inputs add up to the probability minus that "
        "of a firm with no evidence (null for reasons stored before effects were measured)")


def _meanings() -> str:
    """What `probability` means, per industry, as `features/industries.yaml` says it."""
    from features.industries import default_config

    return "; ".join(f"{key}: {spec.meaning_en}"
                     for key, spec in default_config().industries.items())


class ScoredFirm(BaseModel):
    uscc: str
    name: str
    industry: str
    probability: float = Field(description=f"calibrated on later outcomes - {_meanings()}")
    tier: str
    reasons: list[Reason]
    model_version: str
    as_of: str


class FirmError(BaseModel):
    uscc: str
    error: str


class ScoreResponse(BaseModel):
    results: list[ScoredFirm | FirmError]


WarningKind = Literal["model", "trigger"]


class TriggerEvent(BaseModel):
    date: str
    table: str
    id: str
    what: str
    of: str  # whose event it is: the firm's own, or a related firm's credit code


class TriggerDetail(BaseModel):
    id: int
    rule: str
    text_zh: str
    text_en: str
    fired_on: str
    last_fired_on: str
    status: Literal["open", "closed"]
    events: list[TriggerEvent]
    link: str  # the firm page, at this warning's evidence


class WarningItem(BaseModel):
    kind: WarningKind = "model"
    uscc: str
    name: str
    industry: str | None  # None: a trigger for a firm outside the watched industries
    town_code: str
    probability: float | None  # None for a trigger
    tier: str | None
    top_reason: Reason | None
    trigger: TriggerDetail | None = None


class WarningsResponse(BaseModel):
    items: list[WarningItem]
    total: int
    as_of: str | None
    run_id: int | None


class HistoryPoint(BaseModel):
    run_id: int
    as_of: str
    probability: float
    tier: str
    model_version: str


class TimelineEvent(BaseModel):
    date: str
    kind: Literal["complaint", "penalty", "inspection", "listing", "delisting", "change"]
    summary: str


class FirmDetail(BaseModel):
    uscc: str
    name: str
    industry: str | None
    town_code: str
    status: str
    established_on: str | None
    legal_rep_name: str | None = Field(description="masked for the viewer role")
    current: ScoredFirm | None
    history: list[HistoryPoint]
    timeline: list[TimelineEvent]


class PromotionDecision(BaseModel):
    promoted: bool
    reason: str = Field(description="the gate's verdict in words, with its figures")
    figures: dict[str, float] = Field(description="every figure the gate compared: IPW "
                                      "precision at capacity with its 95 % interval "
                                      "(`*_low`, `*_high`), ECE, bias audit")


class ModelSummary(BaseModel):
    industry: str
    alias: Literal["champion", "challenger"]
    version: str
    train_period: str | None
    test_period: str | None
    metrics: dict[str, float]
    decision: PromotionDecision | None = Field(
        default=None, description="the latest promotion decision about this version")


class ModelsResponse(BaseModel):
    models: list[ModelSummary]


class UserSummary(BaseModel):
    name: str
    role: str
    towns: list[str] | None
    active: bool
    live_tokens: int


class UsersResponse(BaseModel):
    users: list[UserSummary]


class Visit(BaseModel):
    date: str
    uscc: str
    industry: str
    town_code: str
    inspector_ids: list[str]
    kind: Literal["random", "targeted"]
    tier: str
    probability: float


UnplacedReason = Literal["no_qualified_pair", "recusal", "outside_window", "capacity"]


class Unplaced(BaseModel):
    """A visit the plan wanted and could not place: `no_qualified_pair` (fewer than two
    qualified inspectors within reach), `recusal` (two only with a recused one),
    `outside_window` (never two of them available on one working day of the period),
    `capacity` (their visits went to visits of higher priority)."""

    uscc: str
    kind: Literal["random", "targeted"]
    reason: UnplacedReason
    industry: str
    town_code: str
    tier: str
    probability: float
    confirmed: bool


class ScheduleResponse(BaseModel):
    """The stored plan: placed visits, every wanted visit it could not place with the reason,
    and its summary (placed / wanted per kind and stratum, unplaced by reason, capacity used)."""

    plan_id: int
    seed: int
    visits: list[Visit]
    unplaced: list[Unplaced]
    summary: dict[str, Any]


class PublicVisit(BaseModel):
    date: str
    uscc: str
    name: str
    inspectors: str


class PlanResponse(BaseModel):
    """A stored plan; the public version (公示) carries only plan_id, start, end and visits
    with date, uscc, name and inspectors: no tier, probability, seed or summary."""

    plan_id: int
    start: str
    end: str
    visits: list[Visit | PublicVisit]
    industry: str | None = None
    seed: int | None = None
    created_by: str | None = None
    unplaced: list[Unplaced] | None = None
    summary: dict[str, Any] | None = None


class PublicPlanResponse(BaseModel):
    plan_id: int
    start: str
    end: str
    visits: list[PublicVisit]


OutcomeResult = Literal["no_problem", "rectify", "case_opened", "not_found"]


class OutcomeResponse(BaseModel):
    plan_id: int
    uscc: str
    result: str
    inspected_on: str
    note: str | None
    recorded_by: str
    recorded_at: str


class DecisionResponse(BaseModel):
    run_id: int | None  # None for a trigger warning's decision
    trigger_id: int | None = None
    uscc: str
    decision: str
    reason: str | None
    note: str | None
    decided_by: str
    decided_at: str
