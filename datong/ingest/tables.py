from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", String(10), nullable=False),  # online | offline
    Column("write_key_hash", String(64), nullable=False, unique=True),
    Column("write_key_prefix", String(12), nullable=False),
    # The identifier type of this source's userId: a POS keyed by member number says member_id.
    Column("user_id_type", String(20), nullable=False, server_default="user_id"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
)

# The event log: immutable facts, the source of truth the lake mirrors.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("type", String(10), nullable=False),
    Column("event", String(200), nullable=True),
    Column("user_id", String(200), nullable=True),
    Column("anonymous_id", String(200), nullable=True),
    Column("channel", String(10), nullable=False),  # online | offline
    Column("store_code", String(32), nullable=True),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("original_timestamp", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("properties", Json, nullable=True),
    Column("traits", Json, nullable=True),
    Column("context", Json, nullable=True),
    # name, category, groupId, previousId, integrations: the rest of the message.
    Column("extra", Json, nullable=True),
    UniqueConstraint("source_id", "message_id"),
    Index("ix_events_timestamp", "timestamp"),
    Index("ix_events_user_id", "user_id"),
    Index("ix_events_anonymous_id", "anonymous_id"),
    Index("ix_events_received_at", "received_at"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=True),
    Column("message_id", String(200), nullable=True),
    Column("reason_code", String(40), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("raw", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("status", String(12), nullable=False, server_default="pending"),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("event_id", BigId, nullable=True),
    Index("ix_quarantine_status", "status"),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("mapping", Json, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("rows_read", Integer, nullable=False, server_default="0"),
    Column("events_built", Integer, nullable=False, server_default="0"),
    Column("events_inserted", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
)
