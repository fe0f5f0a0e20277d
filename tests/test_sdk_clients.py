"""Unmodified Segment and RudderStack Python SDKs pointed at a real datong server process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient
from sqlalchemy import Engine

from datong.settings import Settings
from tests.conftest import Cast
from tests.live import LiveServer, httpx

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings: Settings, cast: Cast, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings, tmp_path / "server.log").start()
    yield live
    live.stop()


def _events(server: LiveServer, cast: Cast, **params: str) -> list[dict[str, object]]:
    r = httpx.get(
        f"{server.url}/api/v1/events",
        params={"limit": 1000, **params},
        headers={"Authorization": f"Bearer {cast.admin_token}"},
    )
    r.raise_for_status()
    return list(r.json()["data"])


def _send_with(client: SegmentClient | RudderClient, prefix: str) -> None:
    client.identify(
        user_id="u-1",
        traits={"phone": "+8613812345678", "name": "李雷"},
        message_id=f"{prefix}-identify",
    )
    client.track(
        user_id="u-1",
        event="Product Viewed",
        properties={"product_id": "sku-1"},
        message_id=f"{prefix}-view",
    )
    client.page(user_id="u-1", name="首页", message_id=f"{prefix}-page")
    client.track(
        anonymous_id="device-9",
        event="Order Completed",
        properties={"channel": "store", "store_id": "SH01", "total": 25900},
        message_id=f"{prefix}-order",
    )
    client.flush()


def _errors() -> tuple[list[Exception], object]:
    seen: list[Exception] = []
    return seen, lambda error, _batch: seen.append(error)


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_sdk_delivers_and_resending_changes_nothing(
    server: LiveServer, cast: Cast, engine: Engine, sdk: str
) -> None:
    errors, on_error = _errors()
    if sdk == "segment":
        client: SegmentClient | RudderClient = SegmentClient(
            cast.app_key, host=server.url, on_error=on_error, max_retries=1
        )
    else:  # RudderStack gzips its batches by default
        client = RudderClient(cast.app_key, host=server.url, on_error=on_error, max_retries=1)
    _send_with(client, sdk)
    _send_with(client, sdk)  # the same messageIds again: a retry after a lost answer
    client.shutdown()
    assert errors == []
    stored = _events(server, cast)
    assert sorted(e["messageId"] for e in stored) == sorted(
        f"{sdk}-{k}" for k in ("identify", "view", "page", "order")
    )
    order = next(e for e in stored if e["event"] == "Order Completed")
    assert order["channel"] == "offline" and order["store"] == "SH01"
    assert order["sentAt"] is not None and order["originalTimestamp"] is not None
    identify = next(e for e in stored if e["type"] == "identify")
    assert identify["traits"] == {"phone": "+8613812345678", "name": "李雷"}


def test_rudderstack_dataplane_url_setting(server: LiveServer, cast: Cast) -> None:
    """The module-level API as RudderStack documents it: write_key + dataPlaneUrl."""
    import rudderstack.analytics as rudder

    rudder.write_key = cast.app_key
    rudder.dataPlaneUrl = server.url
    try:
        rudder.track("u-7", "Product Added", {"product_id": "sku-7"}, message_id="rs-added")
        rudder.flush()
    finally:
        rudder.shutdown()
        rudder.default_client = None
    assert [e["messageId"] for e in _events(server, cast)] == ["rs-added"]


def test_mixed_batch_over_real_http(server: LiveServer, cast: Cast) -> None:
    batch = {
        "batch": [
            {"type": "track", "userId": "u", "event": "Cart Viewed", "messageId": "ok-1"},
            {"type": "track", "userId": "u", "messageId": "no-event"},
            {"type": "track", "event": "Cart Viewed", "messageId": "no-user"},
        ]
    }
    r = httpx.post(f"{server.url}/v1/batch", json=batch, auth=(cast.app_key, ""))
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert [e["messageId"] for e in _events(server, cast)] == ["ok-1"]
    q = httpx.get(
        f"{server.url}/api/v1/quarantine", headers={"Authorization": f"Bearer {cast.admin_token}"}
    ).json()["data"]
    assert {item["messageId"] for item in q} == {"no-event", "no-user"}


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_sdk_calls_link_device_phone_and_member_id(
    server: LiveServer, cast: Cast, engine: Engine, settings: Settings, sdk: str
) -> None:
    from datong.identity.service import find_person

    errors, on_error = _errors()
    cls = SegmentClient if sdk == "segment" else RudderClient
    client = cls(cast.app_key, host=server.url, on_error=on_error, max_retries=1)
    client.track(
        anonymous_id=f"{sdk}-device",
        event="Product Viewed",
        properties={"product_id": "sku-1"},
        timestamp=datetime(2026, 11, 1, 10, tzinfo=UTC),
    )
    client.identify(
        user_id=f"{sdk}-user",
        anonymous_id=f"{sdk}-device",
        traits={"phone": "139 0000 1234", "member_id": f"{sdk}-M1"},
        timestamp=datetime(2026, 11, 1, 10, 5, tzinfo=UTC),
    )
    client.flush()
    client.shutdown()
    assert errors == []
    with engine.connect() as db:
        found = {
            text: find_person(
                db=db, rules=settings.rules, type=text.split(":")[0], raw=text.split(":", 1)[1]
            )
            for text in (
                f"device_id:{sdk}-device",
                "phone:+8613900001234",
                f"member_id:{sdk}-M1",
                f"user_id:{sdk}-user",
            )
        }
    assert None not in found.values() and len(set(found.values())) == 1, found
