"""session hardening: a per-user session version

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 18:40:00.000000

Every staff login session records its account's ``session_version``; logging out, changing the
password or disabling the account increments it, which ends every session of that account
(a saved cookie no longer finds its user).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
