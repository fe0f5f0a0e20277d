"""The review queue of likely matches between persons."""

from sqlalchemy import CheckConstraint, Column, Float, Index, String, Table, UniqueConstraint

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

STATUSES = ("pending", "accepted", "rejected", "stale")

match_suggestions = Table(
    "match_suggestions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # The pair, smaller id first, so that each pair has one row whatever the scoring order.
    Column("person_a", BigId, nullable=False),
    Column("person_b", BigId, nullable=False),
    # A model's probability and log2 Bayes factor: floats by nature, not amounts.
    Column("match_probability", Float, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("features", Json, nullable=False),  # field → comparison level, e.g. "dob": "exact"
    Column("status", String(10), nullable=False),  # pending | accepted | rejected | stale
    Column("created_at", UTCDateTime, nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("reviewed_by", String(100), nullable=True),
    Column("run_id", String(32), nullable=False),
    UniqueConstraint("person_a", "person_b"),
    CheckConstraint("person_a < person_b", name="ordered_pair"),
    Index("ix_match_suggestions_status", "status"),
)
