"""cafe_release

A café moved to a day someone invited is not asked about (she is away, or the colleague she stood in for can come)
loses her invitation; the café stays in her calendar, cancelled, instead of leaving it. Nobody released before this
migration is known, so it starts empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_release",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["cafe_session.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("session_id", "staff_id"),
    )
    with op.batch_alter_table("cafe_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_release_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cafe_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_release_staff_id"))
    op.drop_table("cafe_release")
