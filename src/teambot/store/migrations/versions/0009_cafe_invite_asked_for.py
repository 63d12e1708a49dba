"""cafe_invite.asked_for: the café day an invitation last asked about

A café moved off a closing day asks its people again for the new day in the same rows. Buttons sent before a
café's buttons named the café and day carry the invitation's id alone; such a button answers only an invitation
that has not been asked again since (asked_for still empty), not the new day nor another café's row with its id.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cafe_invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked_for", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cafe_invite", schema=None) as batch_op:
        batch_op.drop_column("asked_for")
