"""console sessions: server-side sign-ins of staff

Revision ID: 0301
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import datong.store.types

revision = "0301"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", datong.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", datong.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", datong.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_console_sessions_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_sessions_token_hash")),
    )
    op.create_index("ix_console_sessions_staff_id", "console_sessions", ["staff_id"])


def downgrade() -> None:
    op.drop_table("console_sessions")
