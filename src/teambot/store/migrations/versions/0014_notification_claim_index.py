"""notification: one index on (status, due_at, id) for the dispatcher's claim, instead of the one on status

The claim (pending rows due by now, in `due_at, id` order, a batch at a time) used the index on status and sorted
every pending row, every reminder planned up to a year ahead, for each batch (SQLite: USE TEMP B-TREE FOR ORDER BY),
or on PostgreSQL walked the due_at index through every past row. With this index both read the due pending rows in
order and stop at the batch. Its leading column serves what only looks up a status, so ix_notification_status goes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_status_due_at_id", ["status", "due_at", "id"], unique=False)
        batch_op.drop_index(batch_op.f("ix_notification_status"))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)
        batch_op.drop_index("ix_notification_status_due_at_id")
