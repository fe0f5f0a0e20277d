"""Exactly once under real concurrency: parallel HTTP clients against a `datong serve`
process, on SQLite and PostgreSQL — redeeming one coupon, a claim storm on a limited
template, one person claiming in parallel."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from datong.offers.tables import coupon_templates, coupons
from datong.settings import Settings
from tests.conftest import Cast
from tests.live import LiveServer, httpx
from tests.offers_helpers import make_persons, redeem_body, template_body

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings: Settings, cast: Cast, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings, tmp_path / "server.log").start()
    yield live
    live.stop()


def _client(server: LiveServer, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=120)


def _parallel(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run `call(i)` for i in range(count) at once: every thread waits at a barrier first."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _template(server: LiveServer, cast: Cast, **overrides: Any) -> int:
    with _client(server, cast.marketer_token) as c:
        r = c.post("/api/v1/coupons/templates", json=template_body(**overrides))
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


def test_200_concurrent_redemptions_of_one_coupon(server: LiveServer, cast: Cast) -> None:
    tpl = _template(server, cast)
    with _client(server) as c:
        person, = make_persons(c, cast.app_key, 1)
    with _client(server, cast.marketer_token) as c:
        code = c.post("/api/v1/coupons/claim", json={"template_id": tpl, "person": person}
                      ).json()["code"]
    clients = [_client(server, cast.clerk_a_token) for _ in range(200)]
    try:
        answers = _parallel(200, lambda i: clients[i].post(
            "/api/v1/coupons/redeem", json=redeem_body(code, f"SH01-{i}", key=f"till-{i}")))
    finally:
        for c in clients:
            c.close()
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 1, 409: 199}, statuses
    refusals = {r.json()["error"]["code"] for r in answers if r.status_code == 409}
    assert refusals == {"already_redeemed"}
    winner = next(r for r in answers if r.status_code == 200).json()
    with _client(server, cast.clerk_a_token) as c:  # the winner's retry gets its answer back
        i = int(winner["order_id"].split("-")[1])
        again = c.post("/api/v1/coupons/redeem", json=redeem_body(code, f"SH01-{i}",
                                                                    key=f"till-{i}"))
    assert again.status_code == 200 and again.json()["redemption_id"] == winner["redemption_id"]
    with _client(server, cast.admin_token) as c:
        events = c.get("/api/v1/domain-events", params={"name": "Coupon Redeemed"}).json()
    assert len(events["data"]) == 1


def test_same_key_retried_in_parallel_answers_one_redemption(server: LiveServer,
                                                             cast: Cast) -> None:
    tpl = _template(server, cast)
    with _client(server) as c:
        person, = make_persons(c, cast.app_key, 1)
    with _client(server, cast.marketer_token) as c:
        code = c.post("/api/v1/coupons/claim", json={"template_id": tpl, "person": person}
                      ).json()["code"]
    clients = [_client(server, cast.clerk_a_token) for _ in range(20)]
    try:
        answers = _parallel(20, lambda i: clients[i].post(
            "/api/v1/coupons/redeem", json=redeem_body(code, "SH01-9", key="till-9")))
    finally:
        for c in clients:
            c.close()
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers][:3]
    assert len({r.json()["redemption_id"] for r in answers}) == 1
    assert sum(not r.json()["replayed"] for r in answers) == 1


def test_claim_storm_never_exceeds_stock_or_limits(server: LiveServer, cast: Cast,
                                                   engine: Engine) -> None:
    tpl = _template(server, cast, stock=60, per_person_limit=1)
    with _client(server) as c:
        persons = make_persons(c, cast.app_key, 100)
    clients = [_client(server, cast.marketer_token) for _ in range(100)]
    try:
        # each person claims twice, 200 claims at once, for 60 coupons
        answers = _parallel(200, lambda i: clients[i % 100].post(
            "/api/v1/coupons/claim", json={"template_id": tpl, "person": persons[i % 100]}))
    finally:
        for c in clients:
            c.close()
    statuses = Counter(r.status_code for r in answers)
    assert statuses[201] == 60 and statuses[409] == 140, statuses
    codes = Counter(r.json()["error"]["code"] for r in answers if r.status_code == 409)
    assert set(codes) <= {"out_of_stock", "limit_reached"}
    with engine.connect() as db:
        per_person = db.execute(select(coupons.c.person_id, func.count())
                                .where(coupons.c.template_id == tpl)
                                .group_by(coupons.c.person_id)).all()
        issued = db.execute(select(coupon_templates.c.issued)
                            .where(coupon_templates.c.id == tpl)).scalar_one()
    assert issued == 60 and sum(n for _, n in per_person) == 60
    assert max(n for _, n in per_person) == 1


def test_one_person_claiming_in_parallel_gets_the_limit(server: LiveServer, cast: Cast,
                                                        engine: Engine) -> None:
    tpl = _template(server, cast, stock=None, per_person_limit=3)
    with _client(server) as c:
        person, = make_persons(c, cast.app_key, 1)
    clients = [_client(server, cast.marketer_token) for _ in range(40)]
    try:
        answers = _parallel(40, lambda i: clients[i].post(
            "/api/v1/coupons/claim", json={"template_id": tpl, "person": person}))
    finally:
        for c in clients:
            c.close()
    assert Counter(r.status_code for r in answers) == {201: 3, 409: 37}
    with engine.connect() as db:
        held = db.execute(select(func.count()).select_from(coupons)
                          .where(coupons.c.template_id == tpl)).scalar_one()
    assert held == 3
