"""meeting, visit, cafe_session: revision (and changed_at) for calendar feeds

A calendar program keeps an imported event unless its SEQUENCE grows: each row counts how often what its event
shows changed (a meeting's day, time or status; a visit's day; a café's day, time, status or number of children),
and meetings and cafés keep when (visits had changed_at already). See store/revisions.py for what counts today.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import teambot.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("meeting", "visit", "cafe_session"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
            if table != "visit":
                batch_op.add_column(
                    sa.Column("changed_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True)
                )


def downgrade() -> None:
    for table in ("meeting", "visit", "cafe_session"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("revision")
            if table != "visit":
                batch_op.drop_column("changed_at")
