"""Console sign-ins: one row per server-side session; the cookie holds only a random token."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import UTCDateTime

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the cookie
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("user_agent", String(300), nullable=True),
    Index("ix_console_sessions_staff_id", "staff_id"),
)
