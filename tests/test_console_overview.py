"""The overview's figures on the analytics engine equal the same figures counted directly
from the state store (events joined to persons through the identity graph)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.analytics.overview import OverviewQuery, load_overview
from datong.engines import create_engine
from datong.identity.tables import identifiers, observations
from datong.ingest.tables import events
from datong.settings import Settings
from tests.conftest import Cast
from tests.console import send, sync

START = datetime(2026, 11, 1, 2, tzinfo=UTC)
STORES = ("SH01", "BJ01")


def _world(client: TestClient, cast: Cast, seed: int) -> None:
    rng = random.Random(seed)
    online: list[dict[str, Any]] = []
    offline: list[dict[str, Any]] = []
    for n in range(40):
        phone = f"1380000{n:04d}"
        when = START + timedelta(hours=rng.randrange(0, 24 * 20))
        if rng.random() < 0.7:
            online.append({"type": "identify", "userId": f"u-{n}", "timestamp": when.isoformat(),
                           "traits": {"phone": phone}})
            for k in range(rng.randrange(0, 4)):
                online.append({"type": "track", "userId": f"u-{n}", "event": "Order Completed",
                               "timestamp": (when + timedelta(hours=k + 1)).isoformat(),
                               "properties": {"order_id": f"o-{n}-{k}",
                                              "total": rng.randrange(100, 90_000)}})
        if rng.random() < 0.6:
            store = rng.choice(STORES)
            for k in range(rng.randrange(1, 3)):
                offline.append({"type": "track", "anonymousId": f"pos-{n}-{k}",
                                "event": rng.choice(["Order Completed", "Store Visited",
                                                     "Order Refunded"]),
                                "timestamp": (when + timedelta(days=k)).isoformat(),
                                "properties": {"store_id": store, "phone": phone,
                                               "total": rng.randrange(100, 50_000)}})
    send(client, cast.app_key, *online)
    send(client, cast.pos_key, *offline)


def _expected(engine: Engine, since: datetime, until: datetime, store: str | None
              ) -> dict[str, Any]:
    with engine.connect() as db:
        person_of = dict(db.execute(
            select(observations.c.event_id, identifiers.c.person_id)
            .join(identifiers, identifiers.c.id == observations.c.identifier_id)
            .where(observations.c.status == "linked")).all())
        rows = db.execute(select(events.c.id, events.c.channel, events.c.store_code,
                                 events.c.event, events.c.properties, events.c.timestamp)
                          .where(events.c.timestamp >= since, events.c.timestamp < until)).all()
    visitors = {person_of.get(r.id) for r in rows
                if r.channel == "offline" and r.store_code == store} - {None}
    kept = [r for r in rows if store is None
            or (r.channel == "offline" and r.store_code == store)
            or (r.channel == "online" and person_of.get(r.id) in visitors)]
    channels: dict[int, set[str]] = defaultdict(set)
    revenue: dict[str, int] = defaultdict(int)
    for r in kept:
        if (person := person_of.get(r.id)) is not None:
            channels[person].add(r.channel)
        if r.event == "Order Completed":
            revenue[r.channel] += int((r.properties or {}).get("total", 0))
    mix = {"online_only": 0, "offline_only": 0, "both": 0}
    for seen in channels.values():
        mix["both" if len(seen) == 2 else f"{next(iter(seen))}_only"] += 1
    return {"mix": mix, "revenue": dict(revenue)}


def test_overview_equals_a_direct_count(client: TestClient, engine: Engine, settings: Settings,
                                        cast: Cast) -> None:
    _world(client, cast, seed=11)
    sync(engine, settings)
    for since, until, store in ((date(2026, 11, 1), date(2026, 11, 30), None),
                                (date(2026, 11, 5), date(2026, 11, 12), None),
                                (date(2026, 11, 1), date(2026, 11, 30), "SH01"),
                                (date(2026, 11, 3), date(2026, 11, 20), "BJ01")):
        query = OverviewQuery(since=since, until=until, zone="UTC", store=store)
        with engine.connect() as db, create_engine(settings) as analytics:
            found = load_overview(db=db, engine=analytics, query=query)
        start = datetime.combine(since, datetime.min.time(), UTC)
        end = datetime.combine(until, datetime.min.time(), UTC)
        want = _expected(engine, start, end, store)
        assert found.mix == want["mix"], (since, until, store)
        got = {c: sums["revenue"] for c, sums in found.totals.items() if sums["revenue"]}
        assert got == {c: v for c, v in want["revenue"].items() if v}, (since, until, store)
        assert sum(found.new_customers.values()) <= found.active_customers
        if store is None and (until - since).days > 20:  # the data has every kind of customer
            assert min(found.mix.values()) > 0 and len(got) == 2


def test_kept_tables_serve_later_queries(settings: Settings) -> None:
    with create_engine(settings) as analytics:
        analytics.register("numbers", pa.table({"n": [1, 2, 3]}))
        analytics.keep("doubled", "SELECT n * 2 AS n FROM numbers")
        got = analytics.sql("SELECT sum(n) AS total FROM doubled", fresh=False)
        assert got["total"].to_pylist() == [12]
        assert analytics.sql("SELECT count(*) AS n FROM events")["n"].to_pylist() == [0]


def test_the_kept_identifier_map_follows_merges_and_splits(
    client: TestClient, engine: Engine, settings: Settings, cast: Cast
) -> None:
    from datong.analytics.persons import IdentityMaps, identity_version
    from datong.identity import service as identity

    send(client, cast.app_key,
         {"type": "identify", "userId": "u-1", "anonymousId": "d-1",
          "timestamp": START.isoformat(), "traits": {"phone": "13800001111"}},
         {"type": "track", "anonymousId": "d-2", "event": "Product Viewed",
          "timestamp": START.isoformat()})
    maps = IdentityMaps()
    with engine.connect() as db:
        before = identity_version(db)
        _, first = maps.get(db)
        assert maps.get(db)[1] is first  # unchanged graph: the same table again
    with engine.begin() as db:
        a = identity.find_person(db=db, rules=settings.rules, type="device_id", raw="d-1")
        b = identity.find_person(db=db, rules=settings.rules, type="device_id", raw="d-2")
        assert a is not None and b is not None and a != b
        identity.merge_persons(db=db, person_a=a, person_b=b, rules=settings.rules,
                               actor="test")
    with engine.connect() as db:
        assert identity_version(db) != before
        _, merged = maps.get(db)
    assert merged is not first and len(set(merged["person_id"].to_pylist())) == 1
