"""Redeeming: idempotent spends, holds (reserve → capture or release, timing out), the
store binding of clerks, the spend_points contract, and concurrent redemptions that never
overdraw — threads with their own connections, and parallel HTTP clients against a live
server on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.errors import Conflict, DatongError, NotFound
from datong.loyalty import jobs, service
from datong.loyalty.ledger import Cause
from datong.loyalty.program import load_program
from datong.loyalty.redeem import spender
from datong.outbox.service import Outbox, list_events
from datong.settings import Settings
from datong.store.database import create_db_engine
from datong.store.types import utcnow
from tests.conftest import Cast, auth, make_cast
from tests.live import LiveServer, httpx
from tests.loyalty_helpers import check_books, enrol, member_row, order, track

PHONE = "13812345678"


def _funded(client: TestClient, cast: Cast, fen: int = 20_000) -> dict[str, object]:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-1", fen, phone=PHONE))
    return member


def _redeem(client: TestClient, token: str, member: object, **body: object) -> httpx.Response:
    return client.post(f"/api/v1/members/{member}/points/redeem", headers=auth(token),
                       json=body)


def test_same_key_answers_the_first_result(client: TestClient, cast: Cast,
                                           engine: Engine) -> None:
    member = _funded(client, cast)
    body = {"points": 50, "idempotency_key": "till-1", "order_ref": "SH01-1"}
    first = _redeem(client, cast.clerk_a_token, member["id"], **body)
    again = _redeem(client, cast.clerk_a_token, member["id"], **body)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["balance"] == 150
    other = _redeem(client, cast.clerk_a_token, member["id"], **{**body, "points": 60})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    with engine.connect() as db:
        assert len(list_events(db=db, name="Points Redeemed")) == 1
    check_books(engine)


def test_hold_capture_release_and_timeout(client: TestClient, cast: Cast, engine: Engine,
                                          settings: Settings) -> None:
    member = _funded(client, cast)
    key = member["member_no"]
    held = _redeem(client, cast.admin_token, key, points=120, idempotency_key="co-1",
                   order_ref="WEB-9", hold=True)
    assert held.status_code == 200, held.text
    assert (held.json()["status"], held.json()["spendable"]) == ("held", 80)
    too_much = _redeem(client, cast.admin_token, key, points=81, idempotency_key="co-2",
                       order_ref="WEB-10")
    assert too_much.status_code == 409
    hold_id = held.json()["hold_id"]
    url = f"/api/v1/members/{key}/points/holds/{hold_id}"
    captured = client.post(f"{url}/capture", headers=auth(cast.admin_token))
    assert captured.status_code == 200 and captured.json()["balance"] == 80
    assert client.post(f"{url}/capture", headers=auth(cast.admin_token)).json()["status"] == (
        "captured")
    assert client.post(f"{url}/release", headers=auth(cast.admin_token)).status_code == 409
    second = _redeem(client, cast.admin_token, key, points=30, idempotency_key="co-3",
                     order_ref="WEB-11", hold=True).json()
    released = client.post(f"/api/v1/members/{key}/points/holds/{second['hold_id']}/release",
                           headers=auth(cast.admin_token))
    assert released.json()["spendable"] == 80
    third = _redeem(client, cast.admin_token, key, points=70, idempotency_key="co-4",
                    order_ref="WEB-12", hold=True, hold_seconds=10).json()
    assert third["spendable"] == 10
    result = jobs.run(engine, jobs.holds_step(utcnow() + timedelta(seconds=11)))
    assert (result.items, result.points) == (1, 70)
    with engine.connect() as db:
        assert member_row(db, int(member["id"]))["held"] == 0
    late = client.post(f"/api/v1/members/{key}/points/holds/{third['hold_id']}/capture",
                       headers=auth(cast.admin_token))
    assert late.status_code == 409 and late.json()["error"]["code"] == "hold_expired"
    check_books(engine)


def test_a_clerk_acts_only_for_their_store(client: TestClient, cast: Cast,
                                           engine: Engine) -> None:
    member = _funded(client, cast)
    r = _redeem(client, cast.clerk_a_token, member["id"], points=10, idempotency_key="x",
                order_ref="BJ01-1", store="BJ01")
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_store"
    r = client.post("/api/v1/members", headers=auth(cast.clerk_a_token),
                    json={"phone": "13900002222", "store": "BJ01"})
    assert r.status_code == 403
    ok = _redeem(client, cast.clerk_a_token, member["id"], points=10, idempotency_key="y",
                 order_ref="SH01-2")
    assert ok.status_code == 200
    with engine.connect() as db:
        event = list_events(db=db, name="Points Redeemed")[0]
    assert (event.store_id, event.channel) == (cast.store_a, "offline")


def test_bad_requests_name_the_field(client: TestClient, cast: Cast) -> None:
    member = _funded(client, cast)
    for body, field in (({"points": 0, "idempotency_key": "k", "order_ref": "o"}, "points"),
                        ({"points": "5", "idempotency_key": "k", "order_ref": "o"}, "points"),
                        ({"points": 5, "order_ref": "o"}, "idempotency_key")):
        r = _redeem(client, cast.admin_token, member["id"], **body)
        assert 400 <= r.status_code < 500 and field in r.text, r.text
    r = _redeem(client, cast.admin_token, "M999", points=1, idempotency_key="k", order_ref="o")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_a_member"


def test_spend_points_contract(client: TestClient, cast: Cast, engine: Engine,
                               settings: Settings) -> None:
    member = _funded(client, cast)
    outbox = Outbox()
    with engine.begin() as db:
        left = service.spend_points(db=db, person_id=int(member["person_id"]), points=100,
                                    cause_type="coupon", cause_ref="TPL-7",
                                    idempotency_key="coupon-1", actor="system",
                                    settings=settings, outbox=outbox)
        again = service.spend_points(db=db, person_id=int(member["person_id"]), points=100,
                                     cause_type="coupon", cause_ref="TPL-7",
                                     idempotency_key="coupon-1", actor="system")
    assert left == again == 100
    with engine.begin() as db, pytest.raises(Conflict) as exc:
        service.spend_points(db=db, person_id=int(member["person_id"]), points=101,
                             cause_type="coupon", cause_ref="TPL-7", idempotency_key="c-2",
                             actor="system")
    assert exc.value.code == "insufficient_points"
    enrol(client, cast.admin_token, "13900003333")
    with engine.begin() as db, pytest.raises(NotFound) as missing:
        service.spend_points(db=db, person_id=10_000, points=1, cause_type="coupon",
                             cause_ref="x", idempotency_key="c-3", actor="system")
    assert missing.value.code == "not_a_member"
    with engine.connect() as db:
        found = service.member_for_person(db=db, person_id=int(member["person_id"]))
    assert found is not None and found.member_no == member["member_no"]
    assert found.tier == "regular" and found.status == "active"
    check_books(engine)


def _race(settings: Settings, person: int, tries: int, points: int) -> Counter[str]:
    """`tries` threads, each with its own connection, spend at the same moment."""
    engine = create_db_engine(settings, pool=False)
    start = threading.Barrier(tries)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def one(i: int) -> None:
        start.wait()
        try:
            with engine.begin() as db:
                service.spend_points(db=db, person_id=person, points=points,
                                     cause_type="payment", cause_ref=f"O-{i}",
                                     idempotency_key=f"race-{i}", actor="system",
                                     channel="offline" if i % 2 else "online")
            result = "ok"
        except DatongError as exc:
            result = exc.code
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return outcomes


def test_concurrent_redemptions_never_overdraw(client: TestClient, cast: Cast,
                                               engine: Engine, settings: Settings) -> None:
    member = _funded(client, cast, fen=20_000)  # 200 points, 50 spenders of 7
    outcomes = _race(settings, int(member["person_id"]), 50, 7)
    assert outcomes == Counter({"ok": 28, "insufficient_points": 22})
    with engine.connect() as db:
        assert member_row(db, int(member["id"]))["balance"] == 200 - 28 * 7
    check_books(engine)


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings, tmp_path / "server.log").start()
    yield live
    live.stop()


@pytest.mark.slow
def test_fifty_parallel_http_redemptions(live: LiveServer, engine: Engine) -> None:
    """On PostgreSQL the row lock orders them; on SQLite the writer lock does."""
    cast = make_cast(engine)
    base = live.url
    admin = auth(cast.admin_token)
    r = httpx.post(f"{base}/api/v1/members", headers=admin, json={"phone": PHONE})
    assert r.status_code == 201, r.text
    member = r.json()
    for i in range(5):  # 5 × 100 points, sent through the tracking API
        sale = order(f"WEB-{i}", 10_000, phone=PHONE)
        sale["type"] = "track"
        httpx.post(f"{base}/v1/track", auth=(cast.app_key, ""), json=sale).raise_for_status()
    with engine.connect() as db:
        assert member_row(db, member["id"])["balance"] == 500
    start = threading.Barrier(50)
    codes: Counter[int] = Counter()
    lock = threading.Lock()

    def pay(i: int) -> None:
        with httpx.Client(base_url=base, headers=admin, timeout=60) as http:
            start.wait()
            answer = http.post(f"/api/v1/members/{member['id']}/points/redeem", json={
                "points": 30, "idempotency_key": f"http-{i}", "order_ref": f"O-{i}"})
        with lock:
            codes[answer.status_code] += 1

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == Counter({200: 16, 409: 34})
    with engine.connect() as db:
        assert member_row(db, member["id"])["balance"] == 500 - 16 * 30
    check_books(engine)


def test_spender_settles_timed_out_holds_before_spending(client: TestClient, cast: Cast,
                                                        engine: Engine,
                                                        settings: Settings) -> None:
    member = _funded(client, cast)
    held = _redeem(client, cast.admin_token, member["id"], points=200, idempotency_key="h",
                   order_ref="WEB-2", hold=True, hold_seconds=10).json()
    assert held["spendable"] == 0
    later = utcnow() + timedelta(seconds=30)
    with engine.begin() as db:
        run = spender(db, load_program(db), settings.tz, Outbox(), later)
        answer = run.spend(int(member["id"]), 150, Cause("payment", "WEB-3", "system"),
                           "after-timeout", {"op": "t"})
    assert answer["spendable"] == 50
    check_books(engine)
