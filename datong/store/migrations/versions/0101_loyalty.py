"""loyalty: program, members, the points ledger, lots, orders, holds, idempotent requests

Revision ID: 0101
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import datong.store.types

revision = "0101"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = datong.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "loyalty_program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_program")),
    )
    op.create_table(
        "loyalty_members",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("member_no", sa.String(length=20), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into", _ID, nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("tier_since", _TIME, nullable=False),
        sa.Column("downgrade_at", _TIME, nullable=True),
        sa.Column("enrolled_at", _TIME, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("clerk_id", sa.String(length=100), nullable=True),
        sa.Column("referral_code", sa.String(length=100), nullable=True),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("pending", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("debt", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("held", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_members")),
        sa.UniqueConstraint("member_no", name=op.f("uq_loyalty_members_member_no")),
        sa.UniqueConstraint("phone", name=op.f("uq_loyalty_members_phone")),
    )
    op.create_index("ix_loyalty_members_person_id", "loyalty_members", ["person_id"])
    op.create_table(
        "loyalty_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("origin_member_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("cause_type", sa.String(length=20), nullable=False),
        sa.Column("cause_ref", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_loyalty_entries_idempotency_key")),
    )
    op.create_index("ix_loyalty_entries_member_id_id", "loyalty_entries", ["member_id", "id"])
    op.create_table(
        "loyalty_lots",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("origin_member_id", _ID, nullable=False),
        sa.Column("entry_id", _ID, nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_lots")),
    )
    op.create_index("ix_loyalty_lots_member_id_expires_at", "loyalty_lots",
                    ["member_id", "expires_at"])
    op.create_index("ix_loyalty_lots_expires_at", "loyalty_lots", ["expires_at"])
    op.create_table(
        "loyalty_orders",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("origin_member_id", _ID, nullable=False),
        sa.Column("event_id", _ID, nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("reversed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("available_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_orders")),
        sa.UniqueConstraint("order_id", name=op.f("uq_loyalty_orders_order_id")),
    )
    op.create_index("ix_loyalty_orders_member_id_occurred_at", "loyalty_orders",
                    ["member_id", "occurred_at"])
    op.create_index("ix_loyalty_orders_status_available_at", "loyalty_orders",
                    ["status", "available_at"])
    op.create_table(
        "loyalty_holds",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_ref", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("settled_at", _TIME, nullable=True),
        sa.Column("entry_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_holds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_loyalty_holds_idempotency_key")),
    )
    op.create_index("ix_loyalty_holds_member_id_status", "loyalty_holds",
                    ["member_id", "status"])
    op.create_index("ix_loyalty_holds_status_expires_at", "loyalty_holds",
                    ["status", "expires_at"])
    op.create_table(
        "loyalty_requests",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_loyalty_requests")),
    )


def downgrade() -> None:
    for table in ("loyalty_requests", "loyalty_holds", "loyalty_orders", "loyalty_lots",
                  "loyalty_entries", "loyalty_members", "loyalty_program"):
        op.drop_table(table)
