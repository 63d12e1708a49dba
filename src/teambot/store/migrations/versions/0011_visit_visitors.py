"""visit: visitor_id, reroutes, rerouted_at; visit_visitor

A visit that changes hands (a substitute while its consultant is away, a new fixed consultant) stays in the calendar
of whoever had it, cancelled, with a higher SEQUENCE: the planner records whom it is routed to, and everyone it has
been routed to. Existing visits start as their planned consultant's.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import teambot.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visitor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reroutes", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("rerouted_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_visit_visitor_id_staff", "staff", ["visitor_id"], ["id"])
    op.create_table(
        "visit_visitor",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("visit_id", "staff_id"),
    )
    with op.batch_alter_table("visit_visitor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_visitor_staff_id"), ["staff_id"], unique=False)
    op.execute("UPDATE visit SET visitor_id = consultant_id")
    op.execute("INSERT INTO visit_visitor (visit_id, staff_id) SELECT id, consultant_id FROM visit")


def downgrade() -> None:
    with op.batch_alter_table("visit_visitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_visitor_staff_id"))
    op.drop_table("visit_visitor")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint("fk_visit_visitor_id_staff", type_="foreignkey")
        batch_op.drop_column("rerouted_at")
        batch_op.drop_column("reroutes")
        batch_op.drop_column("visitor_id")
