"""domain events: what the platform itself did

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import datong.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("properties", _JSON, nullable=True),
        sa.Column("occurred_at", datong.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_domain_events_dedup_key")),
    )
    op.create_index("ix_domain_events_name_occurred_at", "domain_events",
                    ["name", "occurred_at"])
    op.create_index("ix_domain_events_person_id", "domain_events", ["person_id"])


def downgrade() -> None:
    op.drop_table("domain_events")
