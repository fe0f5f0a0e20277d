"""Engine creation and the few dialect differences the services need, kept in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import NullPool

from datong.settings import Settings
from datong.store.types import json_dumps


def create_db_engine(settings: Settings, *, pool: bool = True) -> Engine:
    """An Engine for the configured state store, with SQLite set up for WAL and durability."""
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
        _configure_sqlite(engine, settings.sqlite_synchronous)
        return engine
    return create_engine(
        url,
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
    )


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling is off so that SQLAlchemy's BEGIN below is the only one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front (IMMEDIATE): two transactions that read and then write
        # would otherwise fail with SQLITE_BUSY instead of waiting. Read-only work opts out.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


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


def open_store(settings: Settings) -> Engine:
    """The state store's Engine, created and migrated to the newest schema if needed."""
    from datong.store.migrate import upgrade

    engine = create_db_engine(settings)
    upgrade(engine)
    return engine
