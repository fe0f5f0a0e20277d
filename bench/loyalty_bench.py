"""Loyalty benchmarks: earning from order events, balance lookups at 1M members, expiry over
10M ledger entries.

    python -m bench.loyalty_bench [--members 20000] [--orders 50000] [--lookup-members 1000000]
        [--expiry-entries 10000000] [--backends sqlite,postgresql] [--only earn,lookup,expiry]

earn: a fresh store gets `--members` persons (identify calls through the identity hook) who
are members, then `--orders` `Order Completed` events (three lines each, a category
multiplier on one, a per-order cap) are ingested in groups of 5,000 through the production
append path — first with identity and profiles only, then the same rows are earned by the
loyalty hook (`apply_order_events`), then replayed (one earning per order: nothing more
happens). Orders/s of the loyalty hook alone and of the whole path.

lookup: `--lookup-members` member rows; `find_member` by member number and by id through the
service, one pooled connection per lookup as a request would, p50/p99 in microseconds.

expiry: `--expiry-entries` earn entries (20 per member) each with its lot, expiry dates
spread over two years; the expiry job at a date where about one lot in eight is due,
then again (idempotent: nothing left to do).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from bench.common import FreshDatabase
from datong.identity.resolver import IdentityResolver
from datong.ingest import log
from datong.loyalty import jobs, service
from datong.loyalty.earning import apply_order_events
from datong.loyalty.enrol import member_no_for, system_source_id
from datong.loyalty.members import get_member
from datong.loyalty.program import Program, save_program
from datong.loyalty.statement import ledger_sums
from datong.loyalty.tables import entries, lots, members, orders
from datong.outbox.service import Outbox
from datong.profiles.hook import ProfileHook
from datong.settings import Settings
from datong.store.database import open_store
from datong.store.types import sqlite_time

GROUP = 5_000
NOW = datetime.now(UTC).replace(microsecond=0)


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, default=str), flush=True)


@contextmanager
def store(backend: str, folder: Path) -> Iterator[tuple[Settings, Engine]]:
    fresh = FreshDatabase.create() if backend == "postgresql" else None
    settings = Settings(env="test", data_dir=folder, database_url=fresh.url if fresh else "",
                        lake_sync_interval=0, loyalty_jobs_interval=0)
    engine = open_store(settings)
    try:
        yield settings, engine
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def _row(source: int, kind: str, event: str | None, when: datetime, props: Any,
         traits: Any, context: Any) -> dict[str, Any]:
    return {"source_id": source, "message_id": uuid.uuid4().hex, "type": kind, "event": event,
            "user_id": None, "anonymous_id": None, "channel": "online", "store_code": None,
            "timestamp": when, "original_timestamp": when, "sent_at": None,
            "received_at": NOW, "properties": props, "traits": traits, "context": context,
            "extra": None}


def _phones(n: int) -> list[str]:
    return [f"+86139{10_000_000 + i:08d}" for i in range(n)]


def _make_members(settings: Settings, engine: Engine, n: int) -> list[str]:
    """n persons made by identify calls through identity, each enrolled as a member."""
    phones = _phones(n)
    resolver = IdentityResolver(settings.rules)
    with engine.begin() as db:
        source = system_source_id(db)
        save_program(db=db, program=Program.model_validate({
            "return_window_days": 0, "category_multipliers": {"美妆": "2"},
            "caps": {"per_order": 5_000}}), actor="bench")
    for first in range(0, n, GROUP):
        with engine.begin() as db:
            rows = [_row(source, "identify", None, NOW - timedelta(days=200), None,
                         {"phone": p}, None) for p in phones[first:first + GROUP]]
            log.append(db=db, rows=rows, hooks=[resolver])
    with engine.begin() as db:
        owners = dict(db.execute(text(
            "SELECT value, person_id FROM identifiers WHERE type = 'phone'")).all())
        values = [{"member_no": member_no_for(i + 1), "person_id": owners[p], "phone": p,
                   "name": "", "status": "active", "tier": "regular", "tier_since": NOW,
                   "enrolled_at": NOW - timedelta(days=200), "channel": "online",
                   "balance": 0, "pending": 0, "debt": 0, "held": 0}
                  for i, p in enumerate(phones)]
        db.execute(members.insert(), values)
    return phones


def bench_earn(backend: str, members_n: int, orders_n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, store(backend, Path(tmp)) as (settings, engine):
        phones = _make_members(settings, engine, members_n)
        hooks = [IdentityResolver(settings.rules), ProfileHook(settings.profile_tag_rules)]
        rng = random.Random(7)
        with engine.begin() as db:
            source = system_source_id(db)
        groups = []
        for first in range(0, orders_n, GROUP):
            rows = []
            for i in range(first, min(first + GROUP, orders_n)):
                lines = [{"price": rng.randint(1_000, 50_000), "quantity": rng.randint(1, 3),
                          "category": rng.choice(["美妆", "女装", "鞋履"])} for _ in range(3)]
                total = sum(x["price"] * x["quantity"] for x in lines)
                when = NOW - timedelta(days=rng.randint(1, 300), seconds=i)
                rows.append(_row(source, "track", "Order Completed", when,
                                 {"order_id": f"B-{i}", "total": total, "products": lines},
                                 None, {"traits": {"phone": rng.choice(phones)}}))
            groups.append(rows)
        outbox = Outbox()
        ingest = earn = replay = earn_cpu = 0.0
        for rows in groups:
            began = time.perf_counter()
            with engine.begin() as db:
                result = log.append(db=db, rows=rows, hooks=hooks)
            ingest += time.perf_counter() - began
            stored = [{**r, "id": i} for r, i in zip(rows, _ids(engine, rows), strict=True)]
            began, cpu = time.perf_counter(), time.process_time()
            with engine.begin() as db:
                apply_order_events(db, stored, settings=settings, outbox=outbox)
            earn += time.perf_counter() - began
            earn_cpu += time.process_time() - cpu
            began = time.perf_counter()
            with engine.begin() as db:
                apply_order_events(db, stored, settings=settings, outbox=outbox)
            replay += time.perf_counter() - began
            assert len(result.inserted) == len(rows)
        with engine.connect() as db:
            earned = db.execute(select(func.count()).select_from(orders)).scalar_one()
            sample = db.execute(select(members.c.id, members.c.balance).limit(200)).all()
            for member_id, balance in sample:
                assert ledger_sums(db=db, member_id=member_id)["available"] == balance
        assert earned == orders_n, (earned, orders_n)
        return {"bench": "loyalty_earn", "backend": backend, "members": members_n,
                "orders": orders_n, "loyalty_orders_per_s": round(orders_n / earn),
                # this process's CPU only (the database is in-process for SQLite): what the
                # hook costs when the machine's other jobs are not taking the cores
                "loyalty_orders_per_cpu_s": round(orders_n / earn_cpu),
                "replay_orders_per_s": round(orders_n / replay),
                "identity_profiles_orders_per_s": round(orders_n / ingest),
                "whole_path_orders_per_s": round(orders_n / (ingest + earn))}


def _ids(engine: Engine, rows: list[dict[str, Any]]) -> list[int]:
    with engine.connect() as db:
        found = dict(db.execute(text(
            "SELECT message_id, id FROM events WHERE message_id IN ("
            + ",".join(f"'{r['message_id']}'" for r in rows) + ")")).all())
    return [found[r["message_id"]] for r in rows]


def _bulk_members(engine: Engine, n: int, chunk: int = 50_000) -> None:
    since = sqlite_time(NOW - timedelta(days=400))
    pg = engine.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    sql = ("INSERT INTO loyalty_members (id, member_no, person_id, phone, name, status, tier, "
           "tier_since, enrolled_at, channel, balance, pending, debt, held) VALUES ("
           + ", ".join([mark] * 14) + ")")
    stamp: Any = NOW - timedelta(days=400) if pg else since
    for first in range(1, n + 1, chunk):
        with engine.begin() as db:
            db.exec_driver_sql(sql, [
                (i, member_no_for(i), i, f"+86139{i:08d}", "", "active", "regular", stamp,
                 stamp, "online", 1_000 + i % 5_000, 0, 0, 0)
                for i in range(first, min(first + chunk, n + 1))])


def bench_lookup(backend: str, n: int, lookups: int = 20_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, store(backend, Path(tmp)) as (settings, engine):
        began = time.perf_counter()
        _bulk_members(engine, n)
        load = time.perf_counter() - began
        rng = random.Random(3)
        timings: dict[str, list[float]] = {"member_no": [], "id": []}
        for _ in range(lookups):
            member_id = rng.randint(1, n)
            began = time.perf_counter()
            with engine.connect().execution_options(readonly=True) as db:  # as ReadDbDep
                found = service.find_member(db=db, settings=settings,
                                            key=member_no_for(member_id))
            timings["member_no"].append(time.perf_counter() - began)
            assert found.id == member_id and found.balance == 1_000 + member_id % 5_000
            began = time.perf_counter()
            with engine.connect().execution_options(readonly=True) as db:
                get_member(db, member_id)
            timings["id"].append(time.perf_counter() - began)
        out: dict[str, Any] = {"bench": "loyalty_lookup", "backend": backend, "members": n,
                               "lookups": lookups, "load_seconds": round(load, 1)}
        for key, values in timings.items():
            values.sort()
            out[f"{key}_p50_us"] = round(statistics.median(values) * 1e6)
            out[f"{key}_p99_us"] = round(values[int(len(values) * 0.99)] * 1e6)
        return out


def _bulk_ledger(engine: Engine, members_n: int, per_member: int,
                 chunk_members: int = 10_000) -> None:
    """per_member earn entries of 100 points for every member, each with its lot; lots
    expire 90 days after earning, spread over two years: about one in eight before NOW."""
    pg = engine.dialect.name == "postgresql"
    mark = "%s" if pg else "?"

    def when(value: datetime) -> Any:
        return value if pg else sqlite_time(value)

    entry_sql = ("INSERT INTO loyalty_entries (id, member_id, origin_member_id, person_id, "
                 "account, kind, points, balance_after, cause_type, cause_ref, actor, note, "
                 "created_at) VALUES (" + ", ".join([mark] * 13) + ")")
    lot_sql = ("INSERT INTO loyalty_lots (id, member_id, origin_member_id, entry_id, points, "
               "remaining, earned_at, expires_at) VALUES (" + ", ".join([mark] * 8) + ")")
    start = NOW - timedelta(days=180)
    next_id = 1
    for first in range(1, members_n + 1, chunk_members):
        entry_rows, lot_rows = [], []
        for member in range(first, min(first + chunk_members, members_n + 1)):
            for k in range(per_member):
                earned = start + timedelta(days=(member * 7 + k * 37) % 720)
                expires = earned + timedelta(days=90)
                entry_rows.append((next_id, member, member, member, "available", "earn", 100,
                                   100 * (k + 1), "order", f"O-{next_id}", "system", "",
                                   when(earned)))
                lot_rows.append((next_id, member, member, next_id, 100, 100, when(earned),
                                 when(expires)))
                next_id += 1
        with engine.begin() as db:
            db.exec_driver_sql(entry_sql, entry_rows)
            db.exec_driver_sql(lot_sql, lot_rows)
        with engine.begin() as db:
            db.exec_driver_sql(
                f"UPDATE loyalty_members SET balance = {100 * per_member} "
                f"WHERE id BETWEEN {mark} AND {mark}",
                (first, min(first + chunk_members, members_n + 1) - 1))


def bench_expiry(backend: str, entries_n: int, per_member: int = 20) -> dict[str, Any]:
    members_n = entries_n // per_member
    with tempfile.TemporaryDirectory() as tmp, store(backend, Path(tmp)) as (settings, engine):
        began = time.perf_counter()
        _bulk_members(engine, members_n)
        _bulk_ledger(engine, members_n, per_member)
        load = time.perf_counter() - began
        with engine.connect() as db:
            due = db.execute(select(func.count()).select_from(lots).where(
                lots.c.remaining > 0, lots.c.expires_at <= NOW)).scalar_one()
        outbox = Outbox()
        began = time.perf_counter()
        first = jobs.run(engine, jobs.expiry_step(outbox, NOW))
        seconds = time.perf_counter() - began
        began = time.perf_counter()
        again = jobs.run(engine, jobs.expiry_step(outbox, NOW))
        again_seconds = time.perf_counter() - began
        with engine.connect() as db:
            total = db.execute(select(func.count()).select_from(entries)).scalar_one()
            for member_id in random.Random(5).sample(range(1, members_n + 1), 200):
                sums = ledger_sums(db=db, member_id=member_id)
                balance = db.execute(select(members.c.balance).where(
                    members.c.id == member_id)).scalar_one()
                assert sums["available"] == balance == sums["lots"], (member_id, sums)
        assert first.items == due and again.points == 0
        return {"bench": "loyalty_expiry", "backend": backend, "entries": total,
                "members": members_n, "load_seconds": round(load, 1), "lots_due": due,
                "lots_expired": first.items, "points_expired": first.points,
                "members_touched": first.members, "seconds": round(seconds, 1),
                "lots_per_s": round(first.items / seconds) if seconds else None,
                "second_run_seconds": round(again_seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--lookup-members", type=int, default=1_000_000)
    parser.add_argument("--expiry-entries", type=int, default=10_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--only", default="earn,lookup,expiry")
    opts = parser.parse_args()
    backends = opts.backends.split(",")
    results = []
    for part in opts.only.split(","):
        for backend in backends:
            if part == "earn":
                results.append(bench_earn(backend, opts.members, opts.orders))
            elif part == "lookup":
                results.append(bench_lookup(backend, opts.lookup_members))
            elif part == "expiry" and backend == "sqlite":
                results.append(bench_expiry(backend, opts.expiry_entries))
            else:
                continue
            emit(results[-1])


if __name__ == "__main__":
    main()
