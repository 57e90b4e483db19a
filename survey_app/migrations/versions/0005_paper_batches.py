"""paper questionnaire batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.sql_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_round") as batch:
        batch.add_column(
            sa.Column("paper_serials_issued", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "paper_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", survey_app.sql_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("count > 0", name=op.f("ck_paper_batch_count_positive")),
        sa.CheckConstraint("first_serial > 0", name=op.f("ck_paper_batch_first_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_paper_batch_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_paper_batch_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["admin_unit.id"], name=op.f("fk_paper_batch_unit_id_admin_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_batch")),
        sa.UniqueConstraint(
            "round_id", "first_serial", name=op.f("uq_paper_batch_round_id_first_serial")
        ),
    )


def downgrade() -> None:
    op.drop_table("paper_batch")
    with op.batch_alter_table("survey_round") as batch:
        batch.drop_column("paper_serials_issued")
