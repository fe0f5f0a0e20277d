"""Engine creation and the few dialect differences the services need, kept in one place."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import NullPool

from datong.settings import Settings
from datong.store.arrays import unnest
from datong.store.types import json_dumps, sqlite_time


def create_db_engine(settings: Settings, *, pool: bool = True) -> Engine:
    """An Engine for the configured state store, with SQLite set up for WAL and durability.
    On PostgreSQL statements are not prepared on the server (see `prepared_engine`)."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
            connect_args={"timeout": 60, "check_same_thread": False},
            poolclass=None if pool else NullPool,
        )
        _configure_sqlite(engine, settings.sqlite_synchronous, settings.sqlite_cache_mb)
        return engine
    return create_engine(
        url,
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        # No server-side prepared statements: a generic plan made while a table was small
        # (a seq scan) would stick as the table grows.
        connect_args={"prepare_threshold": None},
    )


def _configure_sqlite(engine: Engine, synchronous: str, cache_mb: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling is off so that SQLAlchemy's BEGIN below is the only one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        # The default page cache (2 MB) stops holding the identity and profile indexes once a
        # store has some tens of thousands of events; every lookup then re-reads pages.
        cur.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front (IMMEDIATE): two transactions that read and then write
        # would otherwise fail with SQLITE_BUSY instead of waiting. Read-only work opts out.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


_WRITERS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def writer_lock(engine: Engine) -> AbstractContextManager[Any]:
    """Held around a write transaction. SQLite has one writer at a time anyway: this
    process's writers (the ingest writer, the commit queue, the routes that write) then queue
    on a lock instead of in SQLite's busy handler, whose back-off sleeps of up to 100 ms cost
    more than the writes under a burst. PostgreSQL needs none (row locks)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(engine, threading.Lock())


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                  returning: Sequence[str] = ()) -> list[Any]:
    """Insert rows, skipping those that collide with a unique key; return the chosen columns
    of the rows actually inserted."""
    if not rows:
        return []
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing()
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return list(conn.execute(stmt, list(rows)).all())
    conn.execute(stmt, list(rows))
    return []


def is_postgres(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "postgresql"


def prepared_engine(engine: Engine) -> Engine:
    """An engine for the hot write paths: on PostgreSQL a second, small pool whose connections
    prepare statements on the server after a few runs, so that PostgreSQL stops parsing and
    planning each of them (half of a short statement's time there). The main engine does not:
    its queries filter on skewed values, where a generic plan made once could stick. These
    statements are all lookups by a unique key — an index scan whatever the table's size —
    and a plan is made again after each ANALYZE of its tables. On SQLite: the same engine
    (its writer lock is shared with the rest of the process)."""
    if not is_postgres(engine):
        return engine
    return create_engine(engine.url, json_serializer=json_dumps,
                         json_deserializer=orjson.loads, pool_size=2, max_overflow=2,
                         pool_pre_ping=True, connect_args={"prepare_threshold": 3})


def open_store(settings: Settings) -> Engine:
    """The state store's Engine, created and migrated to the newest schema if needed."""
    from datong.store.migrate import upgrade

    engine = create_db_engine(settings)
    upgrade(engine)
    return engine


def mark(conn: Connection) -> str:
    """The driver's positional placeholder: `?` for sqlite3, `%s` for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def driver_value(conn: Connection, value: Any) -> Any:
    """A Python value as the driver takes it in a raw statement, stored as SQLAlchemy would."""
    if isinstance(value, datetime):
        return sqlite_time(value) if conn.dialect.name == "sqlite" else value
    if isinstance(value, dict | list):
        return json_dumps(value)
    return value


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Many rows through the driver, skipping SQLAlchemy's per-value processing: COPY on
    PostgreSQL, `executemany` on SQLite. For hot paths (ingest hooks)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    # Only columns that hold datetimes or JSON need converting; the first row tells which.
    convert = [i for i, v in enumerate(rows[0]) if isinstance(v, datetime | dict | list)]
    if convert:
        rows = [tuple(driver_value(conn, v) if i in convert else v for i, v in enumerate(row))
                for row in rows]
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                         [tuple(row) for row in rows])


def bulk_update(conn: Connection, table: Table, column: str, values: dict[int, Any],
                *, only_if_greater: bool = False) -> None:
    """`UPDATE table SET column = value WHERE id = key` for many keys at once (optionally
    only where the stored value is NULL or smaller). PostgreSQL: one UPDATE ... FROM over
    the keys and values sent as two arrays, instead of a round trip per row."""
    if not values:
        return
    guard = f" AND (t.{column} IS NULL OR t.{column} < v.value)" if only_if_greater else ""
    if conn.dialect.name != "postgresql":
        guard = guard.replace("t.", "").replace("v.value", "?")
        conn.exec_driver_sql(
            f"UPDATE {table.name} SET {column} = ? WHERE id = ?{guard}",
            [(v, k, v) if only_if_greater else (v, k) for k, v in values.items()])
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(f"UPDATE {table.name} t SET {column} = v.value "
                    f"FROM {unnest(table, ('id', column))} AS v(id, value) "
                    f"WHERE t.id = v.id{guard}", (list(values), list(values.values())))


def insert_with_ids(db: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (dicts with the same keys) through the driver, COPY on PostgreSQL, with
    their ids reserved first, and return the ids in order: for hot paths that need the new
    ids (the points ledger during ingest) without SQLAlchemy's per-row work."""
    if not rows:
        return []
    if is_postgres(db):
        ids = [int(i) for i in db.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, %s)", (len(rows),)).scalars()]
    else:  # the transaction holds SQLite's write lock: nobody else takes ids meanwhile
        top = db.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar()
        ids = list(range(int(top or 0) + 1, int(top or 0) + 1 + len(rows)))
    names = list(rows[0])
    # Convert only the columns that hold datetimes or JSON (the first value that is not None
    # tells); the rows of one batch share their times, so each is converted once.
    kinds = {n: next((type(r[n]) for r in rows if r[n] is not None), type(None)) for n in names}
    convert = [n for n in names if issubclass(kinds[n], datetime | dict | list)]
    seen: dict[Any, Any] = {}

    def value(v: Any) -> Any:
        if v is None or isinstance(v, dict | list):
            return driver_value(db, v)
        if v not in seen:
            seen[v] = driver_value(db, v)
        return seen[v]

    columns = {n: [r[n] for r in rows] for n in names}
    for n in convert:
        columns[n] = [value(v) for v in columns[n]]
    bulk_insert(db, table, ["id", *names],
                list(zip(ids, *(columns[n] for n in names), strict=True)))
    return ids


class PerDialect:
    """A statement built once per dialect and reused: SQLAlchemy then finds its compiled form
    by the statement's memoised cache key instead of building and hashing a new expression
    on every call (a hot path's largest cost). For statements whose shape differs between
    SQLite and PostgreSQL (upserts); values go in as bound parameters."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __call__(self, db: Connection) -> Any:
        name = db.dialect.name
        found = self._built.get(name)
        if found is None:
            found = self._built[name] = self._build(postgresql if name == "postgresql"
                                                    else sqlite)
        return found
