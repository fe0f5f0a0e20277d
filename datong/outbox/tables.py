"""The domain event log: facts the platform produced, beside the ingested event log."""

from sqlalchemy import Column, Index, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

domain_events = Table(
    "domain_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),  # "Member Enrolled", "Coupon Redeemed", …
    # The person it is about, as it was then; follow persons.merged_into to the survivor.
    Column("person_id", BigId, nullable=True),
    Column("channel", String(10), nullable=True),  # online | offline, where it happened
    Column("store_id", Integer, nullable=True),
    Column("actor", String(120), nullable=True),  # "staff:12", "token:3", "system"
    Column("properties", Json, nullable=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    # Emitting twice with the same key records one event (idempotent producers).
    Column("dedup_key", String(200), nullable=True, unique=True),
    Index("ix_domain_events_name_occurred_at", "name", "occurred_at"),
    Index("ix_domain_events_person_id", "person_id"),
)
