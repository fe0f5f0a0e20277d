"""Membership and the points ledger.

The ledger (`loyalty_entries`) is append-only. Each entry moves points on one of a member's
three accounts: `available` (spendable, never negative), `pending` (earned, waiting for the
order's return window) and `debt` (points reversed after they were spent, repaid by later
earnings). The member row holds each account's sum — always equal to the ledger — and the
points on hold. Lots are the state FIFO expiry needs: what is left of each credit to
`available`, and when it expires.
"""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

program_table = Table(
    "loyalty_program",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one program per deployment
    Column("config", Json, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(120), nullable=False),
)

members = Table(
    "loyalty_members",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("member_no", String(20), nullable=False, unique=True),
    # The person now (kept current through merges and splits).
    Column("person_id", BigId, nullable=False),
    Column("phone", String(32), nullable=False, unique=True),  # E.164, as verified at enrolment
    Column("name", String(100), nullable=False, server_default=""),
    Column("status", String(10), nullable=False),  # active | merged
    Column("merged_into", BigId, nullable=True),  # the surviving member of a merge
    Column("tier", String(20), nullable=False),
    Column("tier_since", UTCDateTime, nullable=False),
    # Set when the spend fell below the tier: the day the downgrade happens unless it recovers.
    Column("downgrade_at", UTCDateTime, nullable=True),
    Column("enrolled_at", UTCDateTime, nullable=False),
    Column("channel", String(10), nullable=False),  # online | offline
    Column("store_id", Integer, nullable=True),
    Column("clerk_id", String(100), nullable=True),  # the clerk's username
    Column("referral_code", String(100), nullable=True),
    Column("balance", BigInteger, nullable=False, server_default="0"),
    Column("pending", BigInteger, nullable=False, server_default="0"),
    Column("debt", BigInteger, nullable=False, server_default="0"),
    Column("held", BigInteger, nullable=False, server_default="0"),
    Index("ix_loyalty_members_person_id", "person_id"),
)

entries = Table(
    "loyalty_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("member_id", BigId, nullable=False),
    # The member whose history this is: a merge moves entries, a split moves them back by it.
    Column("origin_member_id", BigId, nullable=False),
    Column("person_id", BigId, nullable=True),  # the person it concerned when written
    Column("account", String(10), nullable=False),  # available | pending | debt
    # earn | release | redeem | expire | reverse | adjust | repay | bonus | split
    Column("kind", String(10), nullable=False),
    Column("points", BigInteger, nullable=False),  # signed movement on the account
    Column("balance_after", BigInteger, nullable=False),  # the account's sum after it
    Column("cause_type", String(20), nullable=False),  # order | refund | coupon | payment | …
    Column("cause_ref", String(200), nullable=False),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("channel", String(10), nullable=True),
    Column("store_id", Integer, nullable=True),
    Column("actor", String(120), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_loyalty_entries_member_id_id", "member_id", "id"),
)

lots = Table(
    "loyalty_lots",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("member_id", BigId, nullable=False),
    Column("origin_member_id", BigId, nullable=False),
    Column("entry_id", BigId, nullable=True),  # the credit that made it
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("earned_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Index("ix_loyalty_lots_member_id_expires_at", "member_id", "expires_at"),
    Index("ix_loyalty_lots_expires_at", "expires_at"),
)

# One row per order that earned (or would have): replays find it and earn nothing more.
orders = Table(
    "loyalty_orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(200), nullable=False, unique=True),
    Column("member_id", BigId, nullable=False),
    Column("origin_member_id", BigId, nullable=False),
    Column("event_id", BigId, nullable=True),
    Column("channel", String(10), nullable=False),
    Column("store_id", Integer, nullable=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("paid", BigInteger, nullable=False),  # fen that earned points (qualifying spend)
    Column("refunded", BigInteger, nullable=False, server_default="0"),
    Column("points", BigInteger, nullable=False),  # earned for it
    Column("reversed", BigInteger, nullable=False, server_default="0"),
    Column("status", String(10), nullable=False),  # pending | available
    Column("available_at", UTCDateTime, nullable=False),
    Index("ix_loyalty_orders_member_id_occurred_at", "member_id", "occurred_at"),
    Index("ix_loyalty_orders_status_available_at", "status", "available_at"),
)

holds = Table(
    "loyalty_holds",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("member_id", BigId, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # held | captured | released | expired
    Column("order_ref", String(200), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("channel", String(10), nullable=True),
    Column("store_id", Integer, nullable=True),
    Column("actor", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime, nullable=True),
    Column("entry_id", BigId, nullable=True),
    Index("ix_loyalty_holds_member_id_status", "member_id", "status"),
    Index("ix_loyalty_holds_status_expires_at", "status", "expires_at"),
)

# Answers to idempotent requests (spend, redeem, hold, capture, adjust), replayed by key.
requests = Table(
    "loyalty_requests",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("member_id", BigId, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
