"""The bare baseline: an ASGI app that only parses the JSON and inserts the same rows.

No validation, no skew correction, no group commit: one transaction per request with the
same table, the same unique key and the same durability setting as datong. It answers
what a hand-written endpoint would cost, so datong's overhead can be read against it.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

URL = os.environ["BARE_DATABASE_URL"]
SOURCE_ID = int(os.environ["BARE_SOURCE_ID"])
COLUMNS = ("source_id", "message_id", "type", "event", "user_id", "anonymous_id", "channel",
           "timestamp", "original_timestamp", "sent_at", "received_at", "properties", "context")
_PG = URL.startswith("postgresql")
_MARK = "%s" if _PG else "?"
_CONFLICT = " ON CONFLICT DO NOTHING"
SQL = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join([_MARK] * len(COLUMNS))})"
       + _CONFLICT)


def _connect() -> Any:
    if _PG:
        return psycopg.connect(URL.replace("postgresql+psycopg", "postgresql"))
    conn = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


_conn = _connect()


def _time(value: str | None) -> Any:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if _PG else parsed.strftime("%Y-%m-%d %H:%M:%S.%f")


def _rows(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    received = now if _PG else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    sent = _time(body.get("sentAt"))
    return [
        (SOURCE_ID, m["messageId"], m["type"], m.get("event"), m.get("userId"),
         m.get("anonymousId"), "online", _time(m.get("timestamp")) or received,
         _time(m.get("timestamp")), sent, received,
         orjson.dumps(m.get("properties")).decode(), orjson.dumps(m.get("context")).decode())
        for m in body["batch"]
    ]


def _insert(rows: list[tuple[Any, ...]]) -> None:
    if _PG:
        with _conn.cursor() as cur:
            cur.executemany(SQL, rows)
        _conn.commit()
    else:
        _conn.execute("BEGIN IMMEDIATE")
        _conn.executemany(SQL, rows)
        _conn.execute("COMMIT")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["path"] == "/v1/batch":
        _insert(_rows(orjson.loads(body)))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"16")]})
    await send({"type": "http.response.body", "body": b'{"success":true}'})
