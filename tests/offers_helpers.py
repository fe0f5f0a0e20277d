"""Helpers shared by the offers tests: persons made through real identify calls, templates
made through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import auth


def phone(n: int) -> str:
    return f"+86139{n:08d}"


def make_persons(client: Any, write_key: str, count: int, start: int = 1,
                 **traits: Any) -> list[str]:
    """`count` customers known by user id and phone; answers their `phone:` identifiers."""
    batch = [{"type": "identify", "userId": f"u{n}", "messageId": f"id-{n}",
              "traits": {"phone": phone(n), **traits}} for n in range(start, start + count)]
    for first in range(0, len(batch), 500):
        r = client.post("/v1/batch", auth=(write_key, ""), json={"batch": batch[first:first + 500]})
        assert r.status_code == 200, r.text
    return [f"phone:{phone(n)}" for n in range(start, start + count)]


def template_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "满300减50", "kind": "amount_off", "amount_off": 5000,
                            "min_spend": 30000, "valid_days": 30, "stock": 100,
                            "per_person_limit": 1}
    body.update(overrides)
    return body


def create_template(client: TestClient, token: str, **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/coupons/templates", headers=auth(token),
                    json=template_body(**overrides))
    assert r.status_code == 201, r.text
    return dict(r.json())


def claim(client: TestClient, token: str, template_id: int, person: str,
          **extra: Any) -> Any:
    return client.post("/api/v1/coupons/claim", headers=auth(token),
                       json={"template_id": template_id, "person": person, **extra})


def redeem_body(code: str, order: str, amount: int = 40000, channel: str = "offline",
                store: str | None = "SH01", key: str | None = None, **extra: Any
                ) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "order_id": order, "order_amount": amount,
                            "channel": channel, "idempotency_key": key or f"k-{order}",
                            **extra}
    if store is not None:
        body["store"] = store
    return body


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()
