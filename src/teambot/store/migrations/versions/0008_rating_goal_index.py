"""rating: drop ix_rating_goal_id, which the unique (goal_id, day) index already serves

Every stored rating wrote one page more for it (seven instead of six in SQLite's WAL at each COMMIT), and no
query needs it: a lookup by goal uses the unique index's leading column on SQLite and PostgreSQL alike.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_goal_id"))


def downgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_goal_id"), ["goal_id"], unique=False)
