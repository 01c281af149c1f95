"""The tables of the warnings database (SQLAlchemy Core), as the latest migration leaves them.

Changing a table here needs a new migration in `migrations/versions/`; a test compares the two.
JSON columns are plain text (`columns.dump_json`); times are `columns.UtcDateTime`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from features.contracts import INSPECTION_KINDS, OUTCOMES
from serving.store.columns import UtcDateTime

RUN_STATUSES = ("running", "complete", "failed")
ROLES = ("viewer", "officer", "scheduler", "admin")  # each role includes the ones before it


# named constraints, so later migrations (SQLite batch ones especially) can refer to them
metadata = MetaData(naming_convention={
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
})

scoring_runs = Table(
    "scoring_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("status", String(16), nullable=False),  # one of RUN_STATUSES
    Column("as_of", Date, nullable=False),
    Column("sources", Text, nullable=False),  # the sources path or URL
    Column("model_versions", Text, nullable=False),  # JSON {"food": "3", ...}
    Column("firm_count", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("owner", String(128), nullable=True),  # "host:pid" of the process writing it
    Column("pruned_at", UtcDateTime, nullable=True),  # warnings thinned (store.retention)
    CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
)
Index("ix_scoring_runs_status_as_of", scoring_runs.c.status, scoring_runs.c.as_of)

warnings = Table(
    "warnings", metadata,
    Column("run_id", Integer, ForeignKey("scoring_runs.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("name", Text, nullable=False),
    Column("industry", String(32), nullable=False),
    Column("town_code", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("probability", Float, nullable=False),
    Column("tier", String(1), nullable=False),
    Column("reasons", Text, nullable=True),  # JSON list of reasons; NULL = not computed
    Column("model_version", String(32), nullable=False),
    Column("rank", Integer, nullable=False),  # 1 = highest probability in the run and industry
    # uscc first: the one key serves a run's lookup by uscc and a firm's history across runs
    PrimaryKeyConstraint("uscc", "run_id"),
)
# the pages' order by industry and across industries; town_code lets the second count a
# user's towns from the index alone
Index("ix_warnings_listing", warnings.c.run_id, warnings.c.industry,
      warnings.c.probability.desc(), warnings.c.uscc)
Index("ix_warnings_ranking", warnings.c.run_id, warnings.c.probability.desc(), warnings.c.uscc,
      warnings.c.town_code)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("towns", Text, nullable=True),  # JSON list of town codes; NULL = all towns
    Column("created_at", UtcDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    CheckConstraint(f"role IN {ROLES}", name="role"),
)

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)
Index("ix_tokens_user_id", tokens.c.user_id)

# append-only: triggers created by the migrations refuse UPDATE and DELETE
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("user_name", String(64), nullable=True),  # NULL for system actions
    Column("action", String(64), nullable=False),  # "POST /score", "users add", "score run"
    Column("target", Text, nullable=True),
    Column("detail", Text, nullable=True),  # JSON
)
Index("ix_audit_log_at", audit_log.c.at)

# an inspection plan as it was made: its period, seed and inputs (enough to replay it)
plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=True),  # NULL when made by the system
    Column("start_on", Date, nullable=False),
    Column("end_on", Date, nullable=False),
    Column("industry", String(32), nullable=True),  # NULL = every industry
    Column("seed", BigInteger, nullable=False),
    Column("run_id", Integer, ForeignKey("scoring_runs.id"), nullable=True),
    Column("inputs", Text, nullable=False),  # JSON: ratios, shares, towns, confirmed firms
    Column("summary", Text, nullable=False),  # JSON
    CheckConstraint("end_on >= start_on", name="period"),
)

plan_visits = Table(
    "plan_visits", metadata,
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("industry", String(32), nullable=False),
    Column("town_code", String(16), nullable=False),
    Column("visit_on", Date, nullable=False),
    Column("inspector_a", String(32), nullable=False),
    Column("inspector_b", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # one of INSPECTION_KINDS
    Column("tier", String(1), nullable=False),
    Column("probability", Float, nullable=False),
    Column("inclusion_prob", Float, nullable=True),  # NULL for targeted visits
    PrimaryKeyConstraint("plan_id", "uscc"),
    CheckConstraint(f"kind IN {INSPECTION_KINDS}", name="kind"),
    CheckConstraint("inspector_a <> inspector_b", name="two_inspectors"),
    # the inspections contract: a random visit carries the draw's inclusion probability
    CheckConstraint("kind = 'targeted' OR (inclusion_prob > 0 AND inclusion_prob <= 1)",
                    name="inclusion_prob"),
)
# an inspector's visits in a plan (either slot), and a firm's recent visits across plans
Index("ix_plan_visits_inspector_a", plan_visits.c.plan_id, plan_visits.c.inspector_a)
Index("ix_plan_visits_inspector_b", plan_visits.c.plan_id, plan_visits.c.inspector_b)
Index("ix_plan_visits_uscc_visit_on", plan_visits.c.uscc, plan_visits.c.visit_on)

# a wanted visit the plan could not place, and why (serving.scheduling.assign.REASONS)
plan_unplaced = Table(
    "plan_unplaced", metadata,
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("industry", String(32), nullable=False),
    Column("town_code", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # one of INSPECTION_KINDS
    Column("tier", String(1), nullable=False),
    Column("probability", Float, nullable=False),
    Column("inclusion_prob", Float, nullable=True),  # NULL for targeted visits
    Column("confirmed", Boolean, nullable=False),  # an officer confirmed the firm's warning
    Column("reason", String(32), nullable=False),
    PrimaryKeyConstraint("plan_id", "uscc"),
    CheckConstraint(f"kind IN {INSPECTION_KINDS}", name="kind"),
)
Index("ix_plan_unplaced_uscc", plan_unplaced.c.uscc)

# what an inspection found: at most one outcome per planned visit
outcomes = Table(
    "outcomes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("result", String(16), nullable=False),  # one of OUTCOMES
    Column("inspected_on", Date, nullable=False),
    Column("note", Text, nullable=True),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["plan_id", "uscc"], ["plan_visits.plan_id", "plan_visits.uscc"]),
    UniqueConstraint("plan_id", "uscc"),
    CheckConstraint(f"result IN {OUTCOMES}", name="result"),
)
Index("ix_outcomes_inspected_on", outcomes.c.inspected_on)

DECISIONS = ("confirm", "dismiss", "escalate")

# An officer's decision on a warning of one scoring run: one per (run, firm), never overwritten
decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("scoring_runs.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("decision", String(16), nullable=False),  # one of DECISIONS
    Column("reason", Text, nullable=True),  # required to dismiss
    Column("note", Text, nullable=True),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    UniqueConstraint("run_id", "uscc"),
    CheckConstraint(f"decision IN {DECISIONS}", name="decision"),
    CheckConstraint("decision <> 'dismiss' OR (reason IS NOT NULL AND reason <> '')",
                    name="dismiss_reason"),
    Index("ix_decisions_run_id_decision", "run_id", "decision"),
)

JOB_STATUSES = ("running", "complete", "failed")

# one attempt of one step of `riskwarn nightly` for one as-of date (store.jobs)
jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),
    Column("step", String(32), nullable=False),  # validate, score, triggers, prune, ...
    Column("status", String(16), nullable=False),  # one of JOB_STATUSES
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("detail", Text, nullable=True),  # JSON: what the step did (run id, counts)
    Column("error", Text, nullable=True),  # one line
    Column("owner", String(128), nullable=True),  # "host:pid" of the process running it
    CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
)
Index("ix_jobs_as_of_step", jobs.c.as_of, jobs.c.step)
Index("ix_jobs_step_status", jobs.c.step, jobs.c.status)

TRIGGER_STATUSES = ("open", "closed")

# an early-warning rule's firing for a firm (warnings of kind `trigger`): one open per firm and
# rule; a decision closes it, and only newer evidence opens another (store.trigger_warnings)
trigger_warnings = Table(
    "trigger_warnings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False),
    Column("name", Text, nullable=False),
    Column("industry", String(32), nullable=True),  # NULL: outside the watched industries
    Column("town_code", String(16), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("fired_on", Date, nullable=False),  # the as-of date it first fired
    Column("last_fired_on", Date, nullable=False),  # the latest as-of date it still fired
    Column("latest_event_on", Date, nullable=False),  # the newest event of its evidence
    Column("evidence", Text, nullable=False),  # JSON {"text_zh", "text_en", "events": [...]}
    Column("status", String(16), nullable=False),  # one of TRIGGER_STATUSES
    Column("decision", String(16), nullable=True),  # one of DECISIONS once decided
    Column("reason", Text, nullable=True),  # required to dismiss
    Column("note", Text, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    CheckConstraint(f"status IN {TRIGGER_STATUSES}", name="status"),
    CheckConstraint(f"decision IS NULL OR decision IN {DECISIONS}", name="decision"),
    CheckConstraint("decision IS NULL OR decision <> 'dismiss' OR "
                    "(reason IS NOT NULL AND reason <> '')", name="dismiss_reason"),
)
Index("ix_trigger_warnings_uscc", trigger_warnings.c.uscc, trigger_warnings.c.rule)
Index("ix_trigger_warnings_status", trigger_warnings.c.status, trigger_warnings.c.fired_on)
