"""Plans keep the visits they wanted but could not place, each with its reason, so nothing a
plan promised is dropped silently (issue 20).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "plan_unplaced",
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("industry", sa.String(32), nullable=False),
        sa.Column("town_code", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(1), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("inclusion_prob", sa.Float, nullable=True),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.CheckConstraint("kind IN ('random', 'targeted')", name=op.f("ck_plan_unplaced_kind")),
        sa.PrimaryKeyConstraint("plan_id", "uscc", name=op.f("pk_plan_unplaced")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"],
                                name=op.f("fk_plan_unplaced_plan_id")),
    )
    op.create_index(op.f("ix_plan_unplaced_uscc"), "plan_unplaced", ["uscc"])


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_unplaced_uscc"), table_name="plan_unplaced")
    op.drop_table("plan_unplaced")
