"""goal.from_start_meeting: the goals agreed at the case's start meeting

A case imported without a start meeting has its goals asked for from the day of the import; when its start meeting
is recorded later (`/teambot forløb start`, or a later file), those goals are rated from the start meeting. A goal
added in Slack or by a later import keeps its own start. Which stored goals came with the import that created their
case is not known, so every goal stored before this migration keeps the start it has (false).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_start_meeting", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_column("from_start_meeting")
