"""No overbooking: parallel bookings against a real server process, SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from tests.conftest import Cast
from tests.live import LiveServer
from tests.offers_helpers import iso, make_persons
from tests.test_offers_concurrency import _client, _parallel, server  # noqa: F401

pytestmark = pytest.mark.slow


def test_parallel_bookings_never_overbook(server: LiveServer, cast: Cast) -> None:  # noqa: F811
    with _client(server, cast.marketer_token) as c:
        exp = c.post("/api/v1/reservations/experiences",
                     json={"store": "SH01", "name": "DIY 香薰课"}).json()
        slot = c.post(f"/api/v1/reservations/experiences/{exp['id']}/slots", json={"slots": [
            {"starts_at": iso(timedelta(days=1)), "ends_at": iso(timedelta(days=1, hours=1)),
             "capacity": 10}]}).json()["data"][0]
    with _client(server) as c:
        persons = make_persons(c, cast.app_key, 60)
    clients = [_client(server, cast.marketer_token) for _ in range(80)]
    try:
        # 60 people at once, and the first 20 of them press the button twice
        answers = _parallel(80, lambda i: clients[i].post("/api/v1/reservations", json={
            "slot_id": slot["id"], "person": persons[i % 60]}))
    finally:
        for c in clients:
            c.close()
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 10, 409: 70}, statuses
    reasons = {r.json()["error"]["code"] for r in answers if r.status_code == 409}
    assert reasons <= {"slot_full", "already_booked"}
    booked = [r.json()["person_id"] for r in answers if r.status_code == 201]
    assert len(set(booked)) == 10
    with _client(server, cast.marketer_token) as c:
        shown = c.get("/api/v1/reservations/slots", params={"store": "SH01"}).json()["data"]
    assert (shown[0]["booked"], shown[0]["available"]) == (10, 0)
