"""The bare baseline of the offers benchmark: a raw ASGI app doing only the one statement
that decides each outcome, on the same tables of the same database, one transaction per
request, the same durability.

- `POST /claim {template_id, person_id}`: `UPDATE coupon_templates SET issued = issued + 1
  WHERE id = ? AND issued < stock`, then insert the coupon row when it took one.
- `POST /redeem {code}`: `UPDATE coupons SET status = 'redeemed' WHERE code = ? AND
  status = 'issued'`.

No authentication, no validation, no per-person limit, no events, no idempotency.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg

URL = os.environ["BARE_DATABASE_URL"]
_PG = URL.startswith("postgresql")
_M = "%s" if _PG else "?"
TAKE = (f"UPDATE coupon_templates SET issued = issued + 1 WHERE id = {_M} "
        "AND issued < stock")
INSERT = ("INSERT INTO coupons (code, template_id, version, person_id, status, source, "
          "claim_channel, issued_by, issued_at, valid_from, valid_until) VALUES "
          f"({', '.join([_M] * 11)})")
REDEEM = f"UPDATE coupons SET status = 'redeemed' WHERE code = {_M} AND status = 'issued'"


def _connect() -> Any:
    if _PG:
        return psycopg.connect(URL.replace("postgresql+psycopg", "postgresql"))
    conn = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


_conn = _connect()


def _time(value: datetime) -> Any:
    return value if _PG else value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _run(statements: list[tuple[str, tuple[Any, ...]]]) -> bool:
    """Run the first statement; the rest only when it changed a row. True when it did."""
    if not _PG:
        _conn.execute("BEGIN IMMEDIATE")
    cur = _conn.cursor()
    sql, params = statements[0]
    cur.execute(sql, params)
    done = cur.rowcount == 1
    if done:
        for sql, params in statements[1:]:
            cur.execute(sql, params)
    if _PG:
        _conn.commit()
    else:
        _conn.execute("COMMIT")
    return done


def _claim(body: dict[str, Any]) -> bool:
    now = datetime.now(UTC)
    row = (secrets.token_hex(7).upper(), body["template_id"], 1, body["person_id"], "issued",
           "claim", "online", "bare", _time(now), _time(now), _time(now + timedelta(days=30)))
    return _run([(TAKE, (body["template_id"],)), (INSERT, row)])


def _redeem(body: dict[str, Any]) -> bool:
    return _run([(REDEEM, (body["code"],))])


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status = 200
    if scope["path"] in ("/claim", "/redeem"):
        handler = _claim if scope["path"] == "/claim" else _redeem
        status = (201 if scope["path"] == "/claim" else 200) if handler(
            orjson.loads(body)) else 409
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})
