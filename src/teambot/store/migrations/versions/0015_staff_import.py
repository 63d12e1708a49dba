"""staff import: what the roster file last said about each person's absences

An import replaced every absence of everyone in the file with the file's, so re-importing an unchanged file wiped
each absence registered in Slack. It now changes only what the file changed since it last spoke (as `case_import`
does for consent and consultants), and needs what it said then.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_import",
        sa.Column("absences", sa.JSON(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )


def downgrade() -> None:
    op.drop_table("staff_import")
