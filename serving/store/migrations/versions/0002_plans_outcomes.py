"""Inspection plans, their visits, and the outcomes recorded for them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("end_on", sa.Date, nullable=False),
        sa.Column("industry", sa.String(32), nullable=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_plans_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.ForeignKeyConstraint(["run_id"], ["scoring_runs.id"], name=op.f("fk_plans_run_id")),
    )

    op.create_table(
        "plan_visits",
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("industry", sa.String(32), nullable=False),
        sa.Column("town_code", sa.String(16), nullable=False),
        sa.Column("visit_on", sa.Date, nullable=False),
        sa.Column("inspector_a", sa.String(32), nullable=False),
        sa.Column("inspector_b", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(1), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("inclusion_prob", sa.Float, nullable=True),
        sa.CheckConstraint("kind IN ('random', 'targeted')", name=op.f("ck_plan_visits_kind")),
        sa.CheckConstraint("inspector_a <> inspector_b",
                           name=op.f("ck_plan_visits_two_inspectors")),
        sa.CheckConstraint("kind = 'targeted' OR (inclusion_prob > 0 AND inclusion_prob <= 1)",
                           name=op.f("ck_plan_visits_inclusion_prob")),
        sa.PrimaryKeyConstraint("plan_id", "uscc", name=op.f("pk_plan_visits")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_visits_plan_id")),
    )
    op.create_index(op.f("ix_plan_visits_inspector_a"), "plan_visits",
                    ["plan_id", "inspector_a"])
    op.create_index(op.f("ix_plan_visits_inspector_b"), "plan_visits",
                    ["plan_id", "inspector_b"])
    op.create_index(op.f("ix_plan_visits_uscc_visit_on"), "plan_visits", ["uscc", "visit_on"])

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("result IN ('no_problem', 'rectify', 'case_opened', 'not_found')",
                           name=op.f("ck_outcomes_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.ForeignKeyConstraint(["plan_id", "uscc"], ["plan_visits.plan_id", "plan_visits.uscc"],
                                name=op.f("fk_outcomes_plan_id")),
        sa.UniqueConstraint("plan_id", "uscc", name=op.f("uq_outcomes_plan_id")),
    )
    op.create_index(op.f("ix_outcomes_inspected_on"), "outcomes", ["inspected_on"])


def downgrade() -> None:
    for table in ("outcomes", "plan_visits", "plans"):
        op.drop_table(table)  # with its indexes
