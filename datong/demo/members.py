"""The demo's membership: members enrolled through the real enrolment path before their
year of activity streams in (so their orders earn as they arrive), then a little points
activity — redemptions at the counter and at checkout — and the jobs, so the console and
the API show balances, pending points, expiry and tiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, select

from datong.demo.generate import World
from datong.demo.people import STORE, STORE_ONLINE
from datong.demo.setup import Setup
from datong.errors import Conflict
from datong.ingest.log import EventHook
from datong.loyalty import jobs, service
from datong.loyalty.enrol import Enrolment, enrol
from datong.loyalty.program import (
    Program,
    load_program,
    parse_toml,
    program_version,
    save_program,
)
from datong.loyalty.tables import members, requests
from datong.outbox.service import Outbox
from datong.settings import Settings
from datong.stores.service import get_store

PROGRAM_FILE = Path(__file__).resolve().parents[2] / "examples" / "loyalty_program.toml"
_CHUNK = 200


@dataclass
class MemberSeeding:
    """What the demo needs to enrol members and spend points: the deployment's settings
    and outbox (so `Member Enrolled` and the points events go where they always go)."""

    settings: Settings
    outbox: Outbox
    enrolled: int = 0
    redeemed: int = 0
    job_counts: dict[str, int] = field(default_factory=dict)


def apply_demo_program(engine: Engine) -> None:
    """The brand's program from examples/, unless one was applied already."""
    if not PROGRAM_FILE.exists():
        return
    with engine.begin() as db:
        if program_version(db) == 0:
            save_program(db=db, program=parse_toml(PROGRAM_FILE.read_text(encoding="utf-8")),
                         actor="demo")


def enrol_members(*, engine: Engine, world: World, setup: Setup, hooks: Sequence[EventHook],
                  seeding: MemberSeeding) -> None:
    """Each customer with a loyalty card joins on their first active day: store customers
    at their home store with one of its clerks, the others in the app."""
    apply_demo_program(engine)
    people, cast = world.cast.people, world.cast
    chosen = [i for i, m in enumerate(people.member_id) if m is not None]
    start = int(world.start.timestamp())
    with engine.begin() as db:
        store_ids = {s.code: get_store(db=db, code=s.code).id for s in cast.stores}
    for first in range(0, len(chosen), _CHUNK):
        with engine.begin() as db:
            program = load_program(db)
            for person in chosen[first:first + _CHUNK]:
                seeding.enrolled += _enrol_one(db, world, person, start, store_ids, program,
                                               hooks, seeding)


def _enrol_one(db: Connection, world: World, i: int, start: int, store_ids: dict[str, int],
               program: Program, hooks: Sequence[EventHook], seeding: MemberSeeding) -> int:
    people, cast = world.cast.people, world.cast
    in_store = people.persona[i] in (STORE, STORE_ONLINE) and people.store[i] >= 0
    store = cast.stores[people.store[i]] if in_store else None
    clerk = cast.clerks[people.store[i]][i % len(cast.clerks[people.store[i]])] if store else None
    when = datetime.fromtimestamp(start + int(people.start[i]) * 86_400 + 11 * 3600, UTC)
    data = Enrolment(phone=str(people.phone[i]), name=people.name[i],
                     channel="offline" if store else "online",
                     store_id=store_ids[store.code] if store else None, clerk=clerk)
    try:
        enrol(db=db, data=data, rules=seeding.settings.rules, program=program,
              secret=seeding.settings.secret_key, outbox=seeding.outbox, hooks=hooks,
              actor=f"staff:{clerk}" if clerk else "system", now=when)
    except Conflict:  # a re-run: already a member
        return 0
    return 1


def points_activity(*, engine: Engine, world: World, seeding: MemberSeeding) -> None:
    """Some members pay with points (half at their store's counter, half online), then the
    jobs run: matured points, expiry, tiers."""
    rng = np.random.default_rng([world.seed, 0x10F])
    settings, outbox = seeding.settings, seeding.outbox
    with engine.connect() as db:
        rows = db.execute(select(members.c.id, members.c.person_id, members.c.member_no,
                                 members.c.balance, members.c.store_id)
                          .where(members.c.status == "active", members.c.balance >= 300)
                          .order_by(members.c.id)).all()
    with engine.connect() as db:
        done = set(db.execute(select(requests.c.key).where(requests.c.key.like("demo-%")))
                   .scalars())
    for row in rows:
        if rng.random() > 0.4 or f"demo-{row.member_no}-1" in done:
            continue
        points = int(row.balance) // 200 * 100
        in_store = row.store_id is not None and rng.random() < 0.5
        with engine.begin() as db:
            service.spend_points(
                db=db, person_id=int(row.person_id), points=points, cause_type="payment",
                cause_ref=f"demo-{row.member_no}-1", idempotency_key=f"demo-{row.member_no}-1",
                actor="system", channel="offline" if in_store else "online",
                store_id=row.store_id if in_store else None, settings=settings, outbox=outbox)
        seeding.redeemed += 1
    now = datetime.now(UTC)
    seeding.job_counts = {
        "matured": jobs.run(engine, jobs.mature_step(settings.tz, now)).items,
        "expired": jobs.run(engine, jobs.expiry_step(outbox, now)).points,
        "tiers_changed": jobs.run(engine, jobs.tiers_step(outbox, now)).items,
    }
