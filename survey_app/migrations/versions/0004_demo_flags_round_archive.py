"""demo flags, round archive

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey_app.sql_types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A demo loaded before this migration is recognised by its fixed round codes. Accounts are not
# guessed from their names (a real administrator may be called "admin"): setup-demo marks its
# own accounts the next time it runs.
DEMO_ROUND = "SIPAS-2021-HUONG-SON"
DEMO_PAR_ROUND = "PAR-2021-HUONG-SON"


def upgrade() -> None:
    with op.batch_alter_table("survey_round") as batch:
        batch.add_column(
            sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("archived_at", survey_app.sql_types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("par_round") as batch:
        batch.add_column(
            sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        sa.text("UPDATE survey_round SET is_demo = :yes WHERE code = :code").bindparams(
            yes=True, code=DEMO_ROUND
        )
    )
    op.execute(
        sa.text("UPDATE par_round SET is_demo = :yes WHERE code = :code").bindparams(
            yes=True, code=DEMO_PAR_ROUND
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("par_round") as batch:
        batch.drop_column("is_demo")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("is_demo")
    with op.batch_alter_table("survey_round") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("is_demo")
