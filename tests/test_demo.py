"""The demo world: deterministic, plausible, loaded through the ingestion path, re-runnable."""

from __future__ import annotations

import os
import stat
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import phonenumbers
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from datong.auth.tables import staff
from datong.cli import app
from datong.commands import common
from datong.demo.compose import Message
from datong.demo.generate import World, build_world, iter_chunks, parse_size
from datong.demo.identities import JUNK_PHONES
from datong.demo.loader import load_demo
from datong.demo.people import BROWSE_STORE, PERSONAS, STORE_ONLINE
from datong.demo.world import DEMO_PASSWORD, SIZES, staff_roster, stores_for
from datong.ingest.tables import events, quarantine, sources
from datong.settings import Settings
from datong.stores.tables import stores

END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@cache
def _world(size: str, seed: int = 7) -> tuple[World, list[Message]]:
    world = build_world(parse_size(size), seed, END)
    return world, [m for _, chunk in iter_chunks(world) for m in chunk]


def _count(engine: Engine, *where: Any) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(events).where(*where)
        return int(conn.execute(query).scalar_one())


# --- the generated world, without a database --------------------------------------------

def test_same_seed_same_world_other_seed_another() -> None:
    first = [m for _, chunk in iter_chunks(build_world(SIZES["tiny"], 11, END)) for m in chunk]
    again = [m for _, chunk in iter_chunks(build_world(SIZES["tiny"], 11, END)) for m in chunk]
    other = [m for _, chunk in iter_chunks(build_world(SIZES["tiny"], 12, END)) for m in chunk]
    assert first == again
    assert len({m["messageId"] for _, m in first}) == len(first)
    assert {m["messageId"] for _, m in first}.isdisjoint({m["messageId"] for _, m in other})


def test_small_world_has_its_personas_and_volume() -> None:
    world, messages = _world("small")
    personas = Counter(PERSONAS[p] for p in world.cast.people.persona)
    assert sum(personas[p] for p in PERSONAS[:4]) == 300
    assert all(personas[p] >= 30 for p in PERSONAS)
    assert 30_000 <= len(messages) <= 60_000
    by_source = Counter(source for source, _ in messages)
    assert set(by_source) == {"app", "mini-program", "web", "pos", "store-sensors"}


def test_orders_online_and_in_store_with_integer_fen() -> None:
    _, messages = _world("small")
    orders = [m["properties"] for _, m in messages if m.get("event") == "Order Completed"]
    channels = Counter(o["channel"] for o in orders)
    assert channels["store"] > 200 and channels["app"] + channels["mini_program"] > 200
    for o in orders:
        assert o["currency"] == "CNY"
        assert all(type(o[k]) is int for k in ("total", "subtotal", "discount", "revenue"))
        assert o["total"] == o["subtotal"] - o["discount"] + o.get("shipping", 0) >= 0
        assert o["subtotal"] == sum(p["price"] * p["quantity"] for p in o["products"])
    store_orders = [o for o in orders if o["channel"] == "store"]
    assert all(o["store_id"] and o["staff_id"] for o in store_orders)
    refunds = [m for _, m in messages if m.get("event") == "Order Refunded"]
    assert refunds and all(type(r["properties"]["total"]) is int for r in refunds)


def test_identity_signals_are_realistic() -> None:
    world, messages = _world("small")
    identifies = [m for _, m in messages if m["type"] == "identify"]
    linking = [m for m in identifies if m.get("anonymousId") and m.get("userId")]
    assert len(linking) > 300
    phones = [m["traits"]["phone"] for m in identifies if "phone" in m["traits"]]
    phones += [m["context"]["traits"]["phone"] for _, m in messages
               if "phone" in (m.get("context") or {}).get("traits", {})]
    assert any(" " in p for p in phones) and any(p.startswith("+86") for p in phones)
    assert any(p in JUNK_PHONES for p in phones)
    for p in phones:
        if p not in JUNK_PHONES:
            assert phonenumbers.is_valid_number(phonenumbers.parse(p, "CN")), p
    assert any("wechat_unionid" in m["traits"] for m in identifies)
    users_per_device = defaultdict(set)
    for m in linking:
        users_per_device[m["anonymousId"]].add(m["userId"])
    assert max(len(u) for u in users_per_device.values()) >= 3  # a store's shared tablet
    members = {m["userId"] for m in identifies if m["userId"].startswith("HM")}
    assert members, "POS enrolments identify by member number"


def test_o2o_journeys_are_there() -> None:
    world, messages = _world("small")
    people = world.cast.people
    person_of = {u: i for i, u in enumerate(people.user_id) if u}
    person_of.update({m: i for i, m in enumerate(people.member_id) if m})
    viewed: dict[int, set[str]] = defaultdict(set)
    bought_in_store: dict[int, set[str]] = defaultdict(set)
    for _, m in messages:
        who = person_of.get(m.get("userId") or "")
        if who is None or m["type"] != "track":
            continue
        if m["event"] == "Product Viewed":
            viewed[who].add(m["properties"]["product_id"])
        elif m["event"] == "Order Completed" and m["properties"]["channel"] == "store":
            bought_in_store[who] |= {p["product_id"] for p in m["properties"]["products"]}
    browse_then_buy = [p for p in bought_in_store if viewed[p] & bought_in_store[p]
                       and people.persona[p] == BROWSE_STORE]
    assert len(browse_then_buy) >= 10  # 线上浏览·到店购买
    qr = [m for _, m in messages if m["type"] == "identify" and "bound_staff" in m["traits"]]
    assert qr and all(people.persona[person_of[m["userId"]]] == STORE_ONLINE for m in qr)


def test_calendar_shapes_the_year() -> None:
    world, messages = _world("small")
    opened = Counter()
    visits = Counter()
    for _, m in messages:
        ts = datetime.fromisoformat(m["timestamp"])
        assert world.start <= ts <= world.end + timedelta(hours=1)
        local = (ts + timedelta(hours=8)).date()
        if m.get("event") == "Application Opened":
            opened[local] += 1
        elif m.get("event") == "Store Visited":
            visits[local.weekday()] += 1
    average = sum(opened.values()) / len(opened)
    assert opened[datetime(2026, 11, 11).date()] > 3 * average  # 双11
    assert min(visits[5], visits[6]) > max(visits[d] for d in range(5))  # weekends in store


# --- loading through the ingestion path, on both backends -------------------------------

def test_tiny_world_loads_through_ingestion(engine: Engine) -> None:
    setup, report = load_demo(engine=engine, size="tiny", seed=5, end=END)
    assert report.inserted == report.messages > 2_000
    assert report.quarantined == report.duplicates == 0
    assert _count(engine) == report.inserted
    online = _count(engine, events.c.event == "Order Completed", events.c.channel == "online")
    offline = _count(engine, events.c.event == "Order Completed", events.c.channel == "offline")
    assert online > 0 and offline > 0
    assert _count(engine, events.c.event == "Store Visited", events.c.store_code.is_not(None)) > 0
    assert _count(engine, events.c.type == "identify", events.c.anonymous_id.is_not(None),
                  events.c.user_id.is_not(None)) > 0
    with engine.connect() as conn:
        totals = conn.execute(select(events.c.properties).where(
            events.c.event == "Order Completed")).scalars().all()
        assert all(type(p["total"]) is int for p in totals)
        assert conn.execute(select(func.count()).select_from(stores)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(staff)).scalar_one() == len(
            staff_roster(stores_for(SIZES["tiny"])))
        channels = dict(conn.execute(select(sources.c.name, sources.c.channel)).all())
    assert channels == {"app": "online", "mini-program": "online", "web": "online",
                        "pos": "offline", "store-sensors": "offline"}
    assert setup.admin_token and len(setup.write_keys) == 5


def test_rerun_inserts_nothing_twice(engine: Engine) -> None:
    seen: list[int] = []
    _, first = load_demo(engine=engine, size="tiny", seed=9,
                         progress=lambda done, total, report: seen.append(done))
    again_setup, again = load_demo(engine=engine, size="tiny", seed=9)  # same anchor, same ids
    assert seen[-1] == first.activities and seen == sorted(seen)
    assert again.inserted == 0 and again.duplicates == again.messages == first.messages
    assert not again_setup.created_anything
    assert _count(engine) == first.inserted
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar_one() == 0


# --- the command line ---------------------------------------------------------------------

@pytest.fixture
def cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    """The environment the CLI reads, pointing at the test's store."""
    yield {
        "DATONG_ENV": "test", "DATONG_DATA_DIR": str(settings.data_dir),
        "DATONG_DATABASE_URL": settings.database_url, "DATONG_SQLITE_SYNCHRONOUS": "NORMAL",
    }
    common.start_invocation()  # drops what the last invocation opened


def test_cli_loads_then_if_empty_skips(cli_env: dict[str, str], settings: Settings,
                                       engine: Engine) -> None:
    runner = CliRunner()
    loaded = runner.invoke(app, ["demo", "--size", "tiny", "--seed", "3",
                                 "--end", "2026-11-23T18:00:00Z"], env=cli_env)
    assert loaded.exit_code == 0, loaded.output
    assert "new events" in loaded.output and DEMO_PASSWORD in loaded.output
    count = _count(engine)
    assert count > 2_000
    credentials = settings.data_dir / "demo-credentials.txt"
    text = credentials.read_text(encoding="utf-8")
    assert "sh01-clerk1" in text and "dt_" in text and "wk_" in text
    if os.name == "posix":
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    skipped = runner.invoke(app, ["demo", "--size", "tiny", "--if-empty"], env=cli_env)
    assert skipped.exit_code == 0, skipped.output
    assert "skipped" in skipped.output
    assert _count(engine) == count


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL's load time is in bench/demo_load
def test_small_world_loads(engine: Engine) -> None:
    _, report = load_demo(engine=engine, size="small", seed=7, end=END)
    assert report.customers == 300
    assert 30_000 <= report.inserted == _count(engine) <= 60_000
