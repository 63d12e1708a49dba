"""case import: what the roster file last said about each case's consent and consultants

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_import",
        sa.Column("consent_professions", sa.JSON(), nullable=False),
        sa.Column("consultants", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["child_case.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("case_import")
