"""visits and cafe: the årshjul of consultant visits and their themes; småbørnscafé counts, sessions and
invitations; visit and café settings on the municipality

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 13:37:07.871260
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import teambot.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("updated_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "month"),
    )
    with op.batch_alter_table("cafe_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_count_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "cafe_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("last_month", sa.Date(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("created_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "day"),
    )
    with op.batch_alter_table("cafe_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_session_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_cafe_session_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("consultant_id", sa.Integer(), nullable=False),
        sa.Column("planned_day", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consultant_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "discipline", "year", "quarter"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_consultant_id"), ["consultant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "cafe_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("stands_in_for", sa.Integer(), nullable=True),
        sa.Column("answered_at", teambot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cafe_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stands_in_for"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "staff_id"),
    )
    with op.batch_alter_table("cafe_invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_invite_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cafe_invite_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "visit_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", teambot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_theme_visit_id"), ["visit_id"], unique=False)

    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visiting_disciplines", sa.JSON(), nullable=False, server_default='["sundhedsplejerske"]')
        )
        batch_op.add_column(sa.Column("visit_notice_days", sa.Integer(), nullable=False, server_default="14"))
        batch_op.add_column(sa.Column("visit_reminder_days", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("cafe_min_children", sa.Integer(), nullable=False, server_default="3"))
        batch_op.add_column(sa.Column("cafe_max_children", sa.Integer(), nullable=False, server_default="8"))
        batch_op.add_column(sa.Column("cafe_age_from", sa.Integer(), nullable=False, server_default="15"))
        batch_op.add_column(sa.Column("cafe_age_to", sa.Integer(), nullable=False, server_default="21"))
        batch_op.add_column(
            sa.Column("cafe_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False, server_default="09:30")
        )


def downgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("cafe_time")
        batch_op.drop_column("cafe_age_to")
        batch_op.drop_column("cafe_age_from")
        batch_op.drop_column("cafe_max_children")
        batch_op.drop_column("cafe_min_children")
        batch_op.drop_column("visit_reminder_days")
        batch_op.drop_column("visit_notice_days")
        batch_op.drop_column("visiting_disciplines")

    with op.batch_alter_table("visit_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_theme_visit_id"))

    op.drop_table("visit_theme")
    with op.batch_alter_table("cafe_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_invite_staff_id"))
        batch_op.drop_index(batch_op.f("ix_cafe_invite_session_id"))

    op.drop_table("cafe_invite")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_institution_id"))
        batch_op.drop_index(batch_op.f("ix_visit_day"))
        batch_op.drop_index(batch_op.f("ix_visit_consultant_id"))

    op.drop_table("visit")
    with op.batch_alter_table("cafe_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_session_institution_id"))
        batch_op.drop_index(batch_op.f("ix_cafe_session_day"))

    op.drop_table("cafe_session")
    with op.batch_alter_table("cafe_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_count_institution_id"))

    op.drop_table("cafe_count")
