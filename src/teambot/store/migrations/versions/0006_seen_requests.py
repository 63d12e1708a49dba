"""seen requests: replay and event-retry memory shared by every HTTP worker

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import teambot.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_request",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("seen_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("seen_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_request_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seen_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_request_seen_at"))

    op.drop_table("seen_request")
