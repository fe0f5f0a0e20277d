"""Profile state per person: latest traits, computed counters, store visits, tags."""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

# One row per person and trait key: the value from the event with the latest event time.
traits = Table(
    "profile_traits",
    metadata,
    Column("person_id", BigId, primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", Json, nullable=True),
    Column("at", UTCDateTime, nullable=False),  # event time of the value
    Column("event_id", BigId, nullable=False),  # tie-break between equal event times
)

# One row per person: what the incremental hook keeps current and the batch recomputes.
stats = Table(
    "profile_stats",
    metadata,
    Column("person_id", BigId, primary_key=True),
    Column("first_seen_at", UTCDateTime, nullable=True),
    Column("last_seen_at", UTCDateTime, nullable=True),
    Column("online_first_at", UTCDateTime, nullable=True),
    Column("online_last_at", UTCDateTime, nullable=True),
    Column("offline_first_at", UTCDateTime, nullable=True),
    Column("offline_last_at", UTCDateTime, nullable=True),
    Column("online_orders", Integer, nullable=False),
    Column("offline_orders", Integer, nullable=False),
    Column("online_spend", BigInteger, nullable=False),  # fen, orders minus refunds
    Column("offline_spend", BigInteger, nullable=False),
    Column("last_order_at", UTCDateTime, nullable=True),
    # RFM quintiles (1-5) across persons with orders, refreshed by the batch recompute.
    Column("rfm_r", Integer, nullable=True),
    Column("rfm_f", Integer, nullable=True),
    Column("rfm_m", Integer, nullable=True),
    Column("rfm_at", UTCDateTime, nullable=True),
)

# Orders and visits per person and store: the favourite store is the busiest one.
store_counts = Table(
    "profile_stores",
    metadata,
    Column("person_id", BigId, primary_key=True),
    Column("store_code", String(32), primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("visits", Integer, nullable=False),
)

tags = Table(
    "profile_tags",
    metadata,
    Column("person_id", BigId, primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("source", String(10), nullable=False),  # manual | rule
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=True),
    Index("ix_profile_tags_tag", "tag"),
)

# One row: the RFM quintile boundaries of the last batch recompute, so a person's scores are
# computed from their current counters at read time (a new buyer is scored at once). Four
# boundaries per measure: a value above the k-th earns a score above k.
rfm_cuts = Table(
    "profile_rfm_cuts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("recency", Json, nullable=False),  # last order time, epoch microseconds
    Column("frequency", Json, nullable=False),  # orders
    Column("monetary", Json, nullable=False),  # spend, fen
    Column("buyers", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)
