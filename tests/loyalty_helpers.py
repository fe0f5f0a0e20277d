"""Helpers for the loyalty tests: enrol over the API, send orders and refunds, check sums."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from datong.loyalty.statement import ledger_sums
from datong.loyalty.tables import members
from tests.conftest import auth


def ago(days: float = 0, hours: float = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=days, hours=hours)).isoformat()


def set_program(client: TestClient, admin: str, **changes: Any) -> dict[str, Any]:
    current = client.get("/api/v1/loyalty/program", headers=auth(admin)).json()["program"]
    current.update(changes)
    r = client.put("/api/v1/loyalty/program", headers=auth(admin), json=current)
    assert r.status_code == 200, r.text
    return dict(r.json()["program"])


def enrol(client: TestClient, token: str, phone: str, **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/members", headers=auth(token), json={"phone": phone, **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def track(client: TestClient, key: str, *messages: dict[str, Any]) -> None:
    batch = [{"type": "track", "messageId": m.pop("messageId", uuid.uuid4().hex), **m}
             for m in messages]
    r = client.post("/v1/batch", auth=(key, ""), json={"batch": batch})
    assert r.status_code == 200, r.text


def order(order_id: str, total: int, *, phone: str | None = None, when: str | None = None,
          store: str | None = None, products: list[dict[str, Any]] | None = None,
          message_id: str | None = None, **props: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"order_id": order_id, "total": total, **props}
    if store:
        properties.update(channel="store", store_id=store)
    if products is not None:
        properties["products"] = products
    msg: dict[str, Any] = {"event": "Order Completed", "timestamp": when or ago(30),
                           "properties": properties,
                           "anonymousId": f"anon-{order_id}"}
    if phone:
        msg["context"] = {"traits": {"phone": phone}}
    if message_id:
        msg["messageId"] = message_id
    return msg


def refund(order_id: str, total: int | None = None, *, products: list[Any] | None = None,
           when: str | None = None, refund_id: str | None = None,
           store: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"order_id": order_id}
    if total is not None:
        properties["total"] = total
    if products is not None:
        properties["products"] = products
    if refund_id:
        properties["refund_id"] = refund_id
    if store:
        properties.update(channel="store", store_id=store)
    return {"event": "Order Refunded", "timestamp": when or ago(1), "properties": properties,
            "anonymousId": f"anon-refund-{order_id}"}


def member_row(db: Connection, member_id: int) -> dict[str, Any]:
    row = db.execute(select(members).where(members.c.id == member_id)).mappings().one()
    return dict(row)


def check_books(engine: Engine, phones: list[str] | None = None) -> None:
    """Every member's (or these phones' members') materialised sums equal the ledger;
    nothing is negative; the lots hold exactly the available balance."""
    query = select(members)
    if phones is not None:
        query = query.where(members.c.phone.in_([f"+86{p}" for p in phones]))
    with engine.connect() as db:
        for row in db.execute(query).mappings():
            sums = ledger_sums(db=db, member_id=row["id"])
            assert (row["balance"], row["pending"], row["debt"], row["held"]) == (
                sums["available"], sums["pending"], sums["debt"], sums["held"]), (row, sums)
            assert sums["lots"] == row["balance"], (row, sums)
            assert min(row["balance"], row["pending"], row["debt"], row["held"]) >= 0, row
            assert row["held"] <= row["balance"] or row["status"] == "merged", row
