"""The /v1 tracking endpoints and the event/quarantine API, over HTTP, on both backends."""

from __future__ import annotations

import gzip
import threading

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from datong.app import create_app
from datong.ingest.tables import events, quarantine
from datong.settings import Settings
from tests.conftest import Cast, auth, make_cast


def count(engine: Engine, table: object = events) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def track(i: int, **extra: object) -> dict[str, object]:
    return {
        "type": "track",
        "userId": f"u{i}",
        "event": "Product Viewed",
        "messageId": f"m{i}",
        "properties": {"product_id": f"p{i}"},
        **extra,
    }


@pytest.mark.parametrize("kind", ["track", "identify", "page", "screen", "group", "alias"])
def test_every_call_type_is_stored(client: TestClient, cast: Cast, kind: str) -> None:
    body = {
        "userId": "u1",
        "event": "E",
        "name": "Home",
        "groupId": "g1",
        "previousId": "a1",
        "traits": {"name": "王小明"},
        "messageId": f"id-{kind}",
    }
    r = client.post(f"/v1/{kind}", auth=(cast.app_key, ""), json=body)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    listed = client.get(
        "/api/v1/events", params={"type": kind}, headers=auth(cast.admin_token)
    ).json()["data"]
    assert [e["type"] for e in listed] == [kind]
    assert listed[0]["source"] == "app" and listed[0]["channel"] == "online"


def test_batch_keeps_good_messages_and_quarantines_bad_ones(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    batch = [
        track(1),
        {"type": "track", "userId": "u2", "messageId": "bad-1"},
        track(3),
        {"type": "identify", "messageId": "bad-2", "traits": {"phone": "13812345678"}},
        {"type": "dance", "userId": "u5", "messageId": "bad-3"},
    ]
    r = client.post("/v1/batch", auth=(cast.app_key, ""), json={"batch": batch})
    assert r.status_code == 200
    assert r.json()["accepted"] == 2 and r.json()["quarantined"] == 3
    assert {e["code"] for e in r.json()["errors"]} == {
        "missing_event",
        "missing_identity",
        "invalid_type",
    }
    page = client.get("/api/v1/quarantine", headers=auth(cast.admin_token)).json()
    assert {(q["messageId"], q["reasonCode"]) for q in page["data"]} == {
        ("bad-1", "missing_event"),
        ("bad-2", "missing_identity"),
        ("bad-3", "invalid_type"),
    }
    assert page["data"][0]["raw"]["messageId"] == "bad-3"
    assert count(engine) == 2


def test_replayed_message_ids_change_nothing(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    body = {"batch": [track(i) for i in range(5)]}
    first = client.post("/v1/batch", auth=(cast.app_key, ""), json=body).json()
    body["batch"][0]["properties"] = {"product_id": "changed"}  # type: ignore[index]
    again = client.post("/v1/batch", auth=(cast.app_key, ""), json=body).json()
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (5, 0, 5)
    stored = client.get(
        "/api/v1/events", params={"message_id": "m0"}, headers=auth(cast.admin_token)
    ).json()["data"]
    assert stored[0]["properties"] == {"product_id": "p0"}
    # The same messageId from another source is another message.
    other = client.post("/v1/track", auth=(cast.pos_key, ""), json=track(0)).json()
    assert other["accepted"] == 1 and count(engine) == 6


def test_gzip_body_and_write_key_in_body(client: TestClient, cast: Cast) -> None:
    raw = gzip.compress(orjson.dumps({"batch": [track(1)], "writeKey": cast.app_key}))
    r = client.post(
        "/v1/batch",
        content=raw,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_skew_corrected_times_are_listed(client: TestClient, cast: Cast) -> None:
    msg = track(1, timestamp="2020-01-01T00:00:00Z", sentAt="2020-01-01T00:00:05Z")
    client.post("/v1/batch", auth=(cast.app_key, ""), json={"batch": [msg]})
    event = client.get("/api/v1/events", headers=auth(cast.admin_token)).json()["data"][0]
    assert event["originalTimestamp"].startswith("2020-01-01T00:00:00")
    assert event["sentAt"].startswith("2020-01-01T00:00:05")
    assert event["receivedAt"] > "2026"
    assert event["timestamp"] < event["receivedAt"]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic d2tfbm9wZTo="}, 401, "unauthorized"),  # wk_nope:
        ({"Authorization": "Basic !!!"}, 400, "bad_auth"),
    ],
)
def test_bad_write_keys_are_refused(
    client: TestClient, cast: Cast, headers: dict[str, str], status: int, code: str
) -> None:
    r = client.post("/v1/track", json=track(1), headers=headers)
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_bad_bodies_get_clear_400s_and_store_nothing(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    key = (cast.app_key, "")
    cases = [
        (client.post("/v1/batch", auth=key, content=b"{not json"), "invalid_json"),
        (client.post("/v1/batch", auth=key, json={"batch": {"a": 1}}), "invalid_batch"),
        (
            client.post("/v1/batch", auth=key, json={"batch": [track(1)], "sentAt": "soon"}),
            "invalid",
        ),
        (
            client.post(
                "/v1/batch",
                auth=key,
                json={"batch": [track(i, properties={"pad": "x" * 900}) for i in range(600)]},
            ),
            "too_large",
        ),
        (
            client.post("/v1/track", auth=key, json=track(1, properties={"pad": "x" * 33_000})),
            "too_large",
        ),
        (
            client.post(
                "/v1/batch",
                auth=key,
                content=b"\x1f\x8b garbage",
                headers={"Content-Encoding": "gzip"},
            ),
            "bad_encoding",
        ),
    ]
    for response, code in cases:
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == code and error["message"]
    assert "500 KB" in cases[3][0].json()["error"]["message"]
    assert count(engine) == 0 and count(engine, quarantine) == 0


def test_gzip_bomb_is_refused_without_inflating_it(client: TestClient, cast: Cast) -> None:
    bomb = gzip.compress(b'{"batch": [' + b" " * 50_000_000 + b"]}")
    r = client.post(
        "/v1/batch", auth=(cast.app_key, ""), content=bomb, headers={"Content-Encoding": "gzip"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_large"


def test_write_keys_cannot_read_and_roles_are_checked(client: TestClient, cast: Cast) -> None:
    for token, status in [
        (cast.app_key, 401),
        (cast.clerk_a_token, 403),
        (cast.marketer_token, 403),
        ("dt_forged", 401),
    ]:
        r = client.get("/api/v1/events", headers=auth(token))
        assert r.status_code == status, token
        assert set(r.json()["error"]) >= {"code", "message"}
    assert client.get("/api/v1/events").status_code == 401


def test_event_filters_and_pagination(client: TestClient, cast: Cast) -> None:
    batch = [track(i) for i in range(7)] + [
        {
            "type": "track",
            "userId": "u1",
            "event": "Order Completed",
            "messageId": "o1",
            "properties": {"channel": "store", "store_id": "SH01", "total": 12900},
        }
    ]
    client.post("/v1/batch", auth=(cast.pos_key, ""), json={"batch": batch})
    admin = auth(cast.admin_token)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 3, "event": "Product Viewed"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/events", params=params, headers=admin).json()
        seen += [e["messageId"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"m{i}" for i in reversed(range(7))]
    store = client.get(
        "/api/v1/events", params={"store": "SH01", "channel": "offline"}, headers=admin
    ).json()["data"]
    assert [e["messageId"] for e in store] == ["o1"]
    assert store[0]["properties"]["total"] == 12900
    bad = client.get("/api/v1/events", params={"limit": 0}, headers=admin)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "limit"
    bad = client.get("/api/v1/events", params={"since": "last week"}, headers=admin)
    assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]


def test_quarantined_message_is_replayed_after_a_fix(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    client.post(
        "/v1/batch",
        auth=(cast.app_key, ""),
        json={"batch": [{"type": "track", "userId": "u9", "messageId": "q1"}]},
    )
    admin = auth(cast.admin_token)
    item = client.get("/api/v1/quarantine", headers=admin).json()["data"][0]
    still_bad = client.post(f"/api/v1/quarantine/{item['id']}/replay", headers=admin)
    assert still_bad.status_code == 400 and still_bad.json()["error"]["code"] == "missing_event"
    fixed = {**item["raw"], "event": "Product Viewed"}
    done = client.post(
        f"/api/v1/quarantine/{item['id']}/replay", headers=admin, json={"message": fixed}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "replayed" and done.json()["eventId"]
    assert done.json()["raw"] == item["raw"]  # the original body is kept
    again = client.post(f"/api/v1/quarantine/{item['id']}/replay", headers=admin)
    assert again.status_code == 409
    assert count(engine) == 1
    pending = client.get("/api/v1/quarantine", params={"status": "pending"}, headers=admin)
    assert pending.json()["data"] == []
    assert client.post("/api/v1/quarantine/999/replay", headers=admin).status_code == 404


def test_discard(client: TestClient, cast: Cast) -> None:
    client.post("/v1/track", auth=(cast.app_key, ""), json={"userId": "u", "messageId": "x"})
    admin = auth(cast.admin_token)
    item = client.get("/api/v1/quarantine", headers=admin).json()["data"][0]
    r = client.post(f"/api/v1/quarantine/{item['id']}/discard", headers=admin)
    assert r.json()["status"] == "discarded"
    assert client.post(f"/api/v1/quarantine/{item['id']}/replay", headers=admin).status_code == 409


def _hold_write_lock(engine: Engine, held: threading.Event, release: threading.Event) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
        else:
            conn.execute(text("UPDATE sources SET name = name"))
        held.set()
        release.wait(30)


def test_overload_answers_503_with_retry_after_and_loses_nothing(settings: Settings) -> None:
    tight = settings.model_copy(update={"ingest_max_pending": 150})
    app = create_app(tight)
    engine = app.state.runtime.engine
    cast = make_cast(engine)
    held, release = threading.Event(), threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(engine, held, release))
    with TestClient(app) as client:
        locker.start()
        held.wait(10)
        results: list[int] = []
        first = threading.Thread(
            target=lambda: results.append(
                client.post(
                    "/v1/batch",
                    auth=(cast.app_key, ""),
                    json={"batch": [track(i) for i in range(100)]},
                ).status_code
            )
        )
        first.start()
        while app.state.runtime.writer.pending < 100:
            threading.Event().wait(0.01)
        refused = client.post(
            "/v1/batch",
            auth=(cast.app_key, ""),
            json={"batch": [track(i) for i in range(100, 200)]},
        )
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "2"
        assert refused.json()["error"]["code"] == "overloaded"
        release.set()
        first.join(30)
        locker.join(30)
        assert results == [200]
        assert count(engine) == 100
