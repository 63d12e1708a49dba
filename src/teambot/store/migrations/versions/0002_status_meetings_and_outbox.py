"""status meetings and outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 12:41:12.286191
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import teambot.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ref_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("event_day", sa.Date(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("due_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("sent_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_ref_id"), ["ref_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("planned_day", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("confirmed_by", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["child_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_day"), ["day"], unique=False)

    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_interval_weeks", sa.Integer(), nullable=False, server_default="6"))
        batch_op.add_column(
            sa.Column(
                "meeting_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False, server_default="14:00"
            )
        )
        batch_op.add_column(sa.Column("reminder_days", sa.JSON(), nullable=False, server_default="[7, 1]"))
        batch_op.add_column(
            sa.Column(
                "reminder_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False, server_default="08:00"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("reminder_time")
        batch_op.drop_column("reminder_days")
        batch_op.drop_column("meeting_time")
        batch_op.drop_column("meeting_interval_weeks")

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_day"))
        batch_op.drop_index(batch_op.f("ix_meeting_case_id"))

    op.drop_table("meeting")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_status"))
        batch_op.drop_index(batch_op.f("ix_notification_ref_id"))
        batch_op.drop_index(batch_op.f("ix_notification_recipient"))
        batch_op.drop_index(batch_op.f("ix_notification_due_at"))

    op.drop_table("notification")
