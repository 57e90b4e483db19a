"""quotas and monitoring: quota cells, local day and straight-lining flag of responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:37:19.501589
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import survey_app.sql_types
from survey_app.config import DEFAULTS

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "quota_cell",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("cell", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "dimension IN ('field', 'sex_age')", name=op.f("ck_quota_cell_dimension_known")
        ),
        sa.CheckConstraint("target >= 0", name=op.f("ck_quota_cell_target_nonnegative")),
        sa.ForeignKeyConstraint(
            ["round_id", "unit_id"],
            ["round_unit.round_id", "round_unit.unit_id"],
            name=op.f("fk_quota_cell_round_id_round_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "unit_id", "dimension", "cell", name=op.f("pk_quota_cell")
        ),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("straightlined", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _backfill(op.get_bind())
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("local_date", existing_type=sa.Date(), nullable=False)
        batch_op.create_index(
            "ix_response_round_unit_cells",
            ["round_id", "unit_id", "field", "sex", "age_group"],
            unique=False,
        )
        batch_op.create_index(
            "ix_response_round_unit_day", ["round_id", "unit_id", "local_date"], unique=False
        )
        batch_op.create_index(
            "ix_response_round_duration", ["round_id", "duration_seconds", "unit_id"], unique=False
        )
        batch_op.create_index(
            "ix_response_straightlined",
            ["round_id", "unit_id"],
            unique=False,
            postgresql_where=sa.text("straightlined"),
            sqlite_where=sa.text("straightlined = 1"),
        )
        batch_op.create_index(
            "ix_response_over_quota",
            ["round_id", "unit_id"],
            unique=False,
            postgresql_where=sa.text("over_quota"),
            sqlite_where=sa.text("over_quota = 1"),
        )


def _backfill(connection: sa.Connection) -> None:
    """Derive the new columns of responses stored before this revision, as inserts now do.

    Uses the default time zone and questionnaire folder (survey_app.config.DEFAULTS); a
    response whose questionnaire version is not there keeps straightlined = false.
    """
    response = sa.table(
        "response",
        sa.column("id", sa.Integer()),
        sa.column("submitted_at", survey_app.sql_types.UTCDateTime()),
        sa.column("form_id", sa.String()),
        sa.column("form_version", sa.String()),
        sa.column("answers", sa.JSON()),
        sa.column("local_date", sa.Date()),
        sa.column("straightlined", sa.Boolean()),
    )
    if connection.scalar(sa.select(sa.func.count()).select_from(response)) == 0:
        return
    from survey_app.questionnaires.loading import load_catalog
    from survey_app.responses.quality import is_straightlined

    catalog = load_catalog(Path(DEFAULTS["QUESTIONNAIRES_DIR"]))
    zone = ZoneInfo(DEFAULTS["TIMEZONE"])
    update = (
        response.update()
        .where(response.c.id == sa.bindparam("row_id"))
        .values(local_date=sa.bindparam("day"), straightlined=sa.bindparam("flag"))
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                response.c.id,
                response.c.submitted_at,
                response.c.form_id,
                response.c.form_version,
                response.c.answers,
            )
            .where(response.c.id > last_id)
            .order_by(response.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for row_id, submitted_at, form_id, form_version, answers in rows:
            questionnaire = catalog.find(form_id, form_version)
            flag = questionnaire is not None and is_straightlined(questionnaire, answers)
            day = submitted_at.astimezone(zone).date()
            changes.append({"row_id": row_id, "day": day, "flag": flag})
        connection.execute(update, changes)
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_over_quota")
        batch_op.drop_index("ix_response_straightlined")
        batch_op.drop_index("ix_response_round_duration")
        batch_op.drop_index("ix_response_round_unit_day")
        batch_op.drop_index("ix_response_round_unit_cells")
        batch_op.drop_column("straightlined")
        batch_op.drop_column("local_date")

    op.drop_table("quota_cell")
