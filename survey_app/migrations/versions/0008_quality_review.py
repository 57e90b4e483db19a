"""quality policy and review decisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.sql_types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_round") as batch:
        batch.add_column(
            sa.Column(
                "quality_flags",
                sa.JSON(),
                server_default=sa.text('\'["speeder", "straightline"]\''),
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("quality_hold", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("quality_min_seconds", sa.Integer(), server_default="60", nullable=False)
        )
    op.create_table(
        "review_decision",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", survey_app.sql_types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accept', 'exclude')", name=op.f("ck_review_decision_decision_known")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_user.id"],
            name=op.f("fk_review_decision_decided_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_review_decision_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_review_decision")),
    )


def downgrade() -> None:
    op.drop_table("review_decision")
    with op.batch_alter_table("survey_round") as batch:
        batch.drop_column("quality_min_seconds")
        batch.drop_column("quality_hold")
        batch.drop_column("quality_flags")
