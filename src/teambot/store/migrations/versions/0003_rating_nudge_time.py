"""rating nudge time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:53:41.316355
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rating_nudge_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False, server_default="14:00"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("rating_nudge_time")
