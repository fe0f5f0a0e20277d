"""The identity graph. Raw events are never rewritten: what ties them to a person lives here."""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, UniqueConstraint

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

persons = Table(
    "persons",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when this person was merged into another: the id downstream state should follow.
    Column("merged_into", BigId, nullable=True),
    Column("merged_at", UTCDateTime, nullable=True),
    # The canonical key (event time, source, messageId) of the latest message linked to it:
    # a message older than this arrived late and its component is replayed in time order.
    Column("last_key", String(160), nullable=True),
)

# One row per distinct (type, value); person_id is the person it belongs to now.
identifiers = Table(
    "identifiers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("type", String(20), nullable=False),
    Column("value", String(200), nullable=False),
    Column("person_id", BigId, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_key", String(160), nullable=True),
    UniqueConstraint("type", "value"),
    Index("ix_identifiers_person_id", "person_id"),
)

# One row: a token that changes with every write to `identifiers` (triggers, whoever writes,
# see migration 0007), so that a process may keep identifier rows in memory and know at the
# start of a transaction whether they are still what the table holds.
clock = Table(
    "identity_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("token", BigInteger, nullable=False),
)

# Which identifiers each event carried, and whether they were linked or dropped by a rule.
observations = Table(
    "identity_observations",
    metadata,
    Column("event_id", BigId, primary_key=True),
    Column("identifier_id", BigId, primary_key=True),
    Column("status", String(10), nullable=False),  # linked | dropped | blocked
    Index("ix_identity_observations_identifier_id", "identifier_id"),
)

# The versioned edge table: each accepted link between two identifiers, from one message.
edges = Table(
    "identity_edges",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("a_id", BigId, nullable=False),
    Column("b_id", BigId, nullable=False),
    Column("event_id", BigId, nullable=True),
    Column("rule", String(40), nullable=False),  # same_message | manual | suggestion
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_reason", String(40), nullable=True),  # unmerge | recomputed
    Column("revoked_by", String(100), nullable=True),
    Index("ix_identity_edges_a_id", "a_id"),
    Index("ix_identity_edges_b_id", "b_id"),
    Index("ix_identity_edges_event_id", "event_id"),
)

# A message that would have merged persons against the rules: what was dropped and why.
conflicts = Table(
    "identity_conflicts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", BigId, nullable=True),
    Column("identifier_type", String(20), nullable=False),
    Column("identifier_value", String(200), nullable=False),
    Column("reason_code", String(40), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("person_ids", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_identity_conflicts_event_id", "event_id"),
)

# The merge log: every merge and split, who or what caused it.
merges = Table(
    "identity_merges",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # merge | split
    Column("person_id", BigId, nullable=False),  # merge: the survivor; split: the origin
    Column("other_person_ids", Json, nullable=False),  # merge: absorbed; split: new persons
    Column("edge_id", BigId, nullable=True),
    Column("event_id", BigId, nullable=True),
    Column("actor", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_identity_merges_person_id", "person_id"),
)

# Every person a merge log row involves (the survivor or origin and the others), so one
# person's history is an index lookup rather than a scan of the JSON lists.
merge_involved = Table(
    "identity_merge_persons",
    metadata,
    Column("merge_id", BigId, primary_key=True),
    Column("person_id", BigId, primary_key=True),
    Index("ix_identity_merge_persons_person_id", "person_id"),
)
