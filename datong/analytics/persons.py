"""State-store rows the analytics engine needs beside the lake, moved over as Arrow tables.

The lake holds raw events; which person an event belongs to lives in the identity graph of
the state store. Events name their person by the source's userId type or by the device
(anonymous) id, both stored without normalisation beyond trimming, so the `idmap` of those
identifier types lets the engine join every event to its current person (identifiers are
re-pointed to the survivor on a merge, so merged persons count once).
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import Connection, select

from datong.identity.tables import identifiers
from datong.ingest.tables import sources
from datong.profiles.tables import stats

DEVICE_TYPE = "device_id"
IDMAP_SCHEMA = pa.schema([("type", pa.string()), ("value", pa.string()),
                          ("person_id", pa.int64())])
SOURCES_SCHEMA = pa.schema([("id", pa.int32()), ("user_id_type", pa.string())])
PROFILES_SCHEMA = pa.schema([
    ("person_id", pa.int64()), ("first_seen_at", pa.timestamp("us", tz="UTC")),
    ("online_first_at", pa.timestamp("us", tz="UTC")),
    ("offline_first_at", pa.timestamp("us", tz="UTC")),
])


def _columns(rows: list[tuple[object, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(columns, schema,
                                                                        strict=True)],
                                schema=schema)


def source_map(db: Connection) -> pa.Table:
    """Each source and the identifier type its userId carries."""
    rows = db.execute(select(sources.c.id, sources.c.user_id_type)).all()
    return _columns([tuple(r) for r in rows], SOURCES_SCHEMA)


def identifier_map(db: Connection, source_table: pa.Table) -> pa.Table:
    """(type, value, person_id) of the identifier types events name their person by."""
    types = sorted({*source_table["user_id_type"].to_pylist(), DEVICE_TYPE})
    rows = db.execute(select(identifiers.c.type, identifiers.c.value, identifiers.c.person_id)
                      .where(identifiers.c.type.in_(types),
                             identifiers.c.person_id.is_not(None))).all()
    return _columns([tuple(r) for r in rows], IDMAP_SCHEMA)


def profile_firsts(db: Connection) -> pa.Table:
    """When each person was first seen, overall and per channel."""
    rows = db.execute(select(stats.c.person_id, stats.c.first_seen_at, stats.c.online_first_at,
                             stats.c.offline_first_at)).all()
    return _columns([tuple(r) for r in rows], PROFILES_SCHEMA)
