"""Officers' decisions on warnings: confirm, dismiss (with a reason) or escalate.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.ForeignKeyConstraint(["run_id"], ["scoring_runs.id"],
                                name=op.f("fk_decisions_run_id")),
        sa.UniqueConstraint("run_id", "uscc", name=op.f("uq_decisions_run_id")),
        sa.CheckConstraint("decision IN ('confirm', 'dismiss', 'escalate')",
                           name=op.f("ck_decisions_decision")),
        sa.CheckConstraint("decision <> 'dismiss' OR (reason IS NOT NULL AND reason <> '')",
                           name=op.f("ck_decisions_dismiss_reason")),
    )
    op.create_index(op.f("ix_decisions_run_id_decision"), "decisions", ["run_id", "decision"])


def downgrade() -> None:
    op.drop_table("decisions")
