"""Contracts of the seven source tables: columns, types, keys and allowed values.

Conventions every table keeps: a firm is referred to by `uscc`; every event table has one
`known_at` column, the plain date on which the bureau learned of the event (it may be later than
the date it happened); list-valued fields (inspector ids, towns, industries, dates) are stored as
text joined with `|`, so that CSV and Parquet exports read the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from features.industries import INDUSTRY_KEYS
from features.towns import TOWN_CODES

Kind = Literal["str", "date", "datetime", "float", "int", "bool"]
LIST_SEP = "|"

ENTITY_TYPES = (
    "有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "分公司", "个体工商户",
    "农民专业合作社",
)
STATUSES = ("存续", "在营", "迁出", "注销", "吊销", "撤销")
ACTIVE_STATUSES = ("存续", "在营")
CHANGE_TYPES = (
    "legal_rep", "address", "capital_increase", "capital_decrease", "scope", "shareholder",
    "status", "name",
)
PENALTY_KINDS = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业",
)
CHANNELS = ("电话", "网站", "APP", "微信")
COMPLAINT_KINDS = ("投诉", "举报", "咨询", "建议")
INSPECTION_KINDS = ("random", "targeted")  # the kinds the bureau plans (双随机 and targeted)
# what a city's records may also call a visit: a routine one, a follow-up of an earlier visit,
# one prompted by a complaint, one for a licence; only `random` visits are a random sample
VISIT_KINDS = (*INSPECTION_KINDS, "routine", "follow_up", "complaint", "licence")
OUTCOMES = ("no_problem", "rectify", "case_opened", "not_found")
VIOLATION_OUTCOMES = ("rectify", "case_opened")
SEVERITY_LEVELS = ("critical", "serious", "minor")  # graded violation counts, most severe first
LIST_TYPES = ("abnormal", "serious_violation")
LIST_REASONS = (
    "annual_report", "instant_info", "false_info", "unreachable", "abnormal_3y",
    "serious_violation",
)


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether it may be empty, and the rules its values keep."""

    name: str
    kind: Kind = "str"
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    uscc: bool = False
    minimum: float | None = None
    maximum: float | None = None
    list_of: tuple[str, ...] | None = None  # a '|'-joined list whose items come from this set
    optional: bool = False  # a source may leave the column out: it is read as empty
    doc: str = ""


@dataclass(frozen=True)
class Contract:
    """A source table: its columns, its key, and ordering rules between its date columns."""

    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    not_before: tuple[tuple[str, str], ...] = ()  # (later, earlier): later >= earlier
    visit_inspectors: int = 2  # inspections only: inspector ids per visit
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        """The columns every source must have (optional ones may be left out)."""
        return tuple(c.name for c in self.columns if not c.optional)

    @property
    def is_event_table(self) -> bool:
        return "known_at" in self.names


def _uscc(name: str = "uscc", nullable: bool = False, doc: str = "") -> Column:
    return Column(name, uscc=True, nullable=nullable, doc=doc or "unified social credit code")


def _known_at() -> Column:
    return Column("known_at", "date", doc="date the bureau learned of it")


def _coordinates(what: str) -> tuple[Column, Column]:
    return (Column("latitude", "float", nullable=True, optional=True, minimum=-90, maximum=90,
                   doc=f"WGS-84 latitude of {what}"),
            Column("longitude", "float", nullable=True, optional=True, minimum=-180,
                   maximum=180, doc=f"WGS-84 longitude of {what}"))


def _violation_counts() -> tuple[Column, ...]:
    return tuple(Column(f"{level}_violations", "int", nullable=True, optional=True, minimum=0,
                        doc=f"{level} violations found, where the bureau grades them")
                 for level in SEVERITY_LEVELS)


REGISTRATIONS = Contract(
    "registrations",
    (
        _uscc(),
        Column("reg_no", nullable=True, pattern=r"\d{15}", doc="legacy 15-digit number"),
        _uscc("parent_uscc", nullable=True, doc="the parent's code, for branches (分公司)"),
        Column("name"),
        Column("entity_type", allowed=ENTITY_TYPES),
        Column("industry_code", pattern=r"\d{4}", doc="GB/T 4754-2017 class, no section letter"),
        Column("business_scope", nullable=True),
        Column("registered_capital", "float", nullable=True, minimum=0, doc="万元, current"),
        Column("established_on", "date"),
        Column("status", allowed=STATUSES, doc="current status; history in changes"),
        Column("town_code", allowed=TOWN_CODES),
        Column("address", nullable=True, doc="current address"),
        Column("legal_rep_name", nullable=True, doc="personal data: masked when shown"),
        Column("legal_rep_id", nullable=True, doc="pseudonymous person id"),
        _known_at(),
        *_coordinates("the premises"),
    ),
    key=("uscc",),
    not_before=(("known_at", "established_on"),),
    doc="Current snapshot of every registered entity; history is in registration_changes.",
)

REGISTRATION_CHANGES = Contract(
    "registration_changes",
    (
        Column("change_id"),
        _uscc(),
        Column("change_type", allowed=CHANGE_TYPES),
        Column("old_value", nullable=True,
               doc="value before: legal_rep_id for legal_rep, 万元 for capital, text otherwise"),
        Column("new_value", nullable=True),
        Column("changed_on", "date"),
        _known_at(),
    ),
    key=("change_id",),
    not_before=(("known_at", "changed_on"),),
    doc="Each change of a registered field, with the value before and after.",
)

PENALTIES = Contract(
    "penalties",
    (
        Column("decision_no"),
        _uscc(),
        Column("party_name"),
        Column("violation_type"),
        Column("legal_basis", nullable=True),
        Column("penalty_kinds", list_of=PENALTY_KINDS),
        Column("fine", "float", nullable=True, minimum=0, doc="万元"),
        Column("confiscated", "float", nullable=True, minimum=0, doc="万元"),
        Column("authority"),
        Column("violation_on", "date", nullable=True),
        Column("decided_on", "date"),
        Column("published_on", "date"),
        _known_at(),
    ),
    key=("decision_no",),
    not_before=(("decided_on", "violation_on"), ("published_on", "decided_on"),
                ("known_at", "decided_on")),
    doc="Administrative penalty decisions (行政处罚).",
)

COMPLAINTS = Contract(
    "complaints",
    (
        Column("order_id"),
        Column("received_at", "datetime"),
        Column("channel", allowed=CHANNELS),
        Column("kind", allowed=COMPLAINT_KINDS),
        _uscc(nullable=True, doc="subject's code when the order carries one"),
        Column("subject_name", nullable=True, doc="free-text subject, to be matched"),
        Column("town_code", nullable=True, allowed=TOWN_CODES),
        Column("category"),
        Column("handling_unit", nullable=True),
        Column("closed_on", "date", nullable=True),
        Column("substantiated", "bool", nullable=True),
        Column("satisfaction", "int", nullable=True, minimum=1, maximum=5),
        _known_at(),
        *_coordinates("the place complained about (orders with no subject firm)"),
    ),
    key=("order_id",),
    not_before=(("closed_on", "known_at"),),
    doc="12345 / 12315 work orders; the subject may be named only by free text and town.",
)

INSPECTIONS = Contract(
    "inspections",
    (
        Column("inspection_id"),
        _uscc(),
        Column("kind", allowed=VISIT_KINDS),
        Column("inspected_on", "date"),
        Column("inspector_ids", doc="two different inspector ids joined with '|'"),
        Column("outcome", allowed=OUTCOMES,
               doc="what the visit found (a data set may declare it not_recorded)"),
        Column("inclusion_prob", "float", nullable=True, minimum=0, maximum=1,
               doc="the draw's inclusion probability, for random visits"),
        _known_at(),
        *_violation_counts(),
        Column("score", "float", nullable=True, optional=True,
               doc="the visit's score, on the scale _dataset.yaml declares (inspection_score)"),
        Column("violations", "int", nullable=True, optional=True, minimum=0,
               doc="violations found, where the bureau counts them without grading them"),
    ),
    key=("inspection_id",),
    not_before=(("known_at", "inspected_on"),),
    doc="Inspection visits (双随机、一公开 random ones, targeted ones, or a city's routine, "
        "follow-up, complaint and licence visits) and what they found.",
)

ABNORMAL_LIST = Contract(
    "abnormal_list",
    (
        Column("record_id"),
        _uscc(),
        Column("list_type", allowed=LIST_TYPES),
        Column("reason", allowed=LIST_REASONS),
        Column("listed_on", "date"),
        Column("removed_on", "date", nullable=True),
        _known_at(),
    ),
    key=("record_id",),
    not_before=(("removed_on", "listed_on"), ("known_at", "listed_on")),
    doc="Abnormal-operations list (经营异常名录) and serious-violation list entries.",
)

_DATE_LIST = r"(\d{4}-\d{2}-\d{2})(\|\d{4}-\d{2}-\d{2})*"

INSPECTORS = Contract(
    "inspectors",
    (
        Column("inspector_id"),
        Column("name", doc="personal data: shown only to staff"),
        Column("towns", list_of=TOWN_CODES),
        Column("industries", list_of=INDUSTRY_KEYS),
        Column("visits_per_day", "int", minimum=1, maximum=20),
        Column("unavailable_dates", nullable=True, pattern=_DATE_LIST),
    ),
    key=("inspector_id",),
    doc="Enforcement officers: where and for what they may inspect, and when they cannot.",
)

CONTRACTS: dict[str, Contract] = {
    c.table: c
    for c in (REGISTRATIONS, REGISTRATION_CHANGES, PENALTIES, COMPLAINTS, INSPECTIONS,
              ABNORMAL_LIST, INSPECTORS)
}
TABLES: tuple[str, ...] = tuple(CONTRACTS)
