"""State-store rows the analytics engine needs beside the lake, moved over as Arrow tables.

The lake holds raw events; which person an event belongs to lives in the identity graph of
the state store. Events name their person by the source's userId type or by the device
(anonymous) id, both stored without normalisation beyond trimming, so the `idmap` of those
identifier types lets the engine join every event to its current person (identifiers are
re-pointed to the survivor on a merge, so merged persons count once).

The identifier rows are many (one or more per customer and device) and read through the
driver's cursor: SQLAlchemy's per-row processing cost more than the report itself.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Select, case, func, select

from datong.identity.tables import identifiers
from datong.ingest.tables import sources
from datong.profiles.tables import stats

DEVICE_TYPE = "device_id"
IDMAP_SCHEMA = pa.schema([("type", pa.string()), ("value", pa.string()),
                          ("person_id", pa.int64())])
SOURCES_SCHEMA = pa.schema([("id", pa.int32()), ("user_id_type", pa.string())])
FIRSTS_SCHEMA = pa.schema([("person_id", pa.int64()), ("channel", pa.string())])


def _columns(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(columns, schema,
                                                                        strict=True)],
                                schema=schema)


def _driver_rows(db: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Rows of a query of plain columns (no dates), fetched by the driver as tuples."""
    compiled = query.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True})
    cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def source_map(db: Connection) -> pa.Table:
    """Each source and the identifier type its userId carries."""
    rows = db.execute(select(sources.c.id, sources.c.user_id_type)).all()
    return _columns([tuple(r) for r in rows], SOURCES_SCHEMA)


def identifier_map(db: Connection, source_table: pa.Table) -> pa.Table:
    """(type, value, person_id) of the identifier types events name their person by."""
    types = sorted({*source_table["user_id_type"].to_pylist(), DEVICE_TYPE})
    return _columns(_driver_rows(db, select(
        identifiers.c.type, identifiers.c.value, identifiers.c.person_id)
        .where(identifiers.c.type.in_(types), identifiers.c.person_id.is_not(None))),
        IDMAP_SCHEMA)


def first_seen_between(db: Connection, start: datetime, end: datetime) -> pa.Table:
    """The persons first seen in [start, end), with the channel they were first seen in."""
    first = case((stats.c.offline_first_at.is_(None), "online"),
                 (stats.c.online_first_at.is_(None), "offline"),
                 (stats.c.online_first_at <= stats.c.offline_first_at, "online"),
                 else_="offline")
    rows = db.execute(select(stats.c.person_id, first).where(
        stats.c.first_seen_at >= start, stats.c.first_seen_at < end)).all()
    return _columns([tuple(r) for r in rows], FIRSTS_SCHEMA)


def identity_version(db: Connection) -> tuple[Any, ...]:
    """A cheap fingerprint of the identifier → person mapping: it changes whenever an
    identifier is added or re-pointed (a merge, split or rebuild), so a cached `idmap` is
    reused only while it is exactly current."""
    row = db.execute(select(func.count(), func.max(identifiers.c.id),
                            func.sum(identifiers.c.person_id), func.sum(
                                identifiers.c.person_id * identifiers.c.id % 1_000_003))
                     .where(identifiers.c.person_id.is_not(None))).one()
    return tuple(int(v or 0) for v in row)


class IdentityMaps:
    """The latest `idmap` built, with the fingerprint it was built at (one per app)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[tuple[Any, ...], pa.Table, pa.Table] | None = None

    def get(self, db: Connection) -> tuple[pa.Table, pa.Table]:
        """(sources, idmap) as of now: rebuilt only when the mapping or sources changed."""
        src = source_map(db)
        version = (identity_version(db), tuple(src["user_id_type"].to_pylist()))
        with self._lock:
            built = self._built
        if built is not None and built[0] == version:
            return built[1], built[2]
        idmap = identifier_map(db, src)
        with self._lock:
            self._built = (version, src, idmap)
        return src, idmap
