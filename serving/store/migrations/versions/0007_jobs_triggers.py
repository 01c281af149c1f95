"""The nightly loop's record (`jobs`: each step's status and duration per as-of date) and the
early-warning triggers' firings (`trigger_warnings`, warnings of kind `trigger`).

Revision ID: 0007
Revises: 0005 (re-chained to 0006 when both land)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Float, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.CheckConstraint("status IN ('running', 'complete', 'failed')",
                           name=op.f("ck_jobs_status")),
    )
    op.create_index("ix_jobs_as_of_step", "jobs", ["as_of", "step"])
    op.create_index("ix_jobs_step_status", "jobs", ["step", "status"])
    op.create_table(
        "trigger_warnings",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("industry", sa.String(32), nullable=True),
        sa.Column("town_code", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("fired_on", sa.Date, nullable=False),
        sa.Column("last_fired_on", sa.Date, nullable=False),
        sa.Column("latest_event_on", sa.Date, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_warnings")),
        sa.CheckConstraint("status IN ('open', 'closed')",
                           name=op.f("ck_trigger_warnings_status")),
        sa.CheckConstraint("decision IS NULL OR decision IN ('confirm', 'dismiss', 'escalate')",
                           name=op.f("ck_trigger_warnings_decision")),
        sa.CheckConstraint("decision IS NULL OR decision <> 'dismiss' OR "
                           "(reason IS NOT NULL AND reason <> '')",
                           name=op.f("ck_trigger_warnings_dismiss_reason")),
    )
    op.create_index("ix_trigger_warnings_uscc", "trigger_warnings", ["uscc", "rule"])
    op.create_index("ix_trigger_warnings_status", "trigger_warnings", ["status", "fired_on"])


def downgrade() -> None:
    op.drop_table("trigger_warnings")
    op.drop_table("jobs")
