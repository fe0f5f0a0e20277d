"""The demo world has members enrolled in the app and at store counters, points earned
online and in store, payments with points, expiry and tiers — with the books balanced."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from datong.demo.loader import load_demo
from datong.demo.members import MemberSeeding
from datong.loyalty.tables import entries, members, orders
from datong.outbox.service import list_events
from datong.runtime import Runtime
from datong.settings import Settings
from tests.loyalty_helpers import check_books


def test_demo_world_has_members_points_and_tiers(engine: Engine, settings: Settings) -> None:
    runtime = Runtime.build(settings)
    seeding = MemberSeeding(settings, runtime.outbox)
    try:
        load_demo(engine=engine, size="tiny", seed=7, end=datetime.now(UTC),
                  hooks=runtime.writer.hooks, members=seeding)
    finally:
        runtime.stop()
    assert seeding.enrolled > 10 and seeding.redeemed > 0
    with engine.connect() as db:
        channels = dict(db.execute(select(members.c.channel, func.count())
                                   .group_by(members.c.channel)).all())
        earned = dict(db.execute(select(orders.c.channel, func.count())
                                 .group_by(orders.c.channel)).all())
        tiers = {t for (t,) in db.execute(select(members.c.tier).distinct())}
        kinds = {k for (k,) in db.execute(select(entries.c.kind).distinct())}
        enrolled = list_events(db=db, name="Member Enrolled", limit=1000)
    assert channels.get("online", 0) > 0 and channels.get("offline", 0) > 0
    assert earned.get("online", 0) > 0 and earned.get("offline", 0) > 0
    assert len(tiers) >= 2 and {"earn", "redeem", "expire"} <= kinds
    assert all(e.properties["member_no"].startswith("M") for e in enrolled)
    assert any(e.store_id is not None and e.properties["clerk_id"] for e in enrolled)
    check_books(engine)
    # a second run changes nothing
    runtime = Runtime.build(settings)
    again = MemberSeeding(settings, runtime.outbox)
    try:
        load_demo(engine=engine, size="tiny", seed=7, hooks=runtime.writer.hooks,
                  members=again)
    finally:
        runtime.stop()
    assert again.enrolled == 0
    check_books(engine)
