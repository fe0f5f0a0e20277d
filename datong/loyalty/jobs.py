"""The loyalty jobs: pending points maturing, holds timing out, FIFO expiry of lots, tier
recalculation. Each works on one chunk per call inside the caller's transaction, locks the
members it touches and re-reads their state under the lock, so running it twice (or two
copies at once) changes nothing the second time. `run` drives a job chunk by chunk, one
transaction each."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select, update

from datong.loyalty.ledger import Book, Cause, Lot
from datong.loyalty.program import Program, load_program
from datong.loyalty.tables import holds, lots, members, orders
from datong.loyalty.tiers import spend_of, update_tiers
from datong.outbox.service import Outbox
from datong.store.types import utcnow

CHUNK = 2000


@dataclass
class JobResult:
    members: int = 0
    items: int = 0  # orders matured, holds released, lots expired, members checked
    points: int = 0
    done: bool = True

    def add(self, other: JobResult) -> None:
        self.members += other.members
        self.items += other.items
        self.points += other.points
        self.done = other.done


def run(engine: Engine, step: Callable[[Connection], JobResult],
        progress: Callable[[JobResult], None] | None = None) -> JobResult:
    """Call `step` in a transaction of its own until it reports done."""
    total = JobResult()
    while True:
        with engine.begin() as db:
            result = step(db)
        total.add(result)
        if progress is not None:
            progress(total)
        if result.done:
            return total


# --- pending points -------------------------------------------------------------------

def mature(book: Book, program: Program, tz: ZoneInfo, member_ids: Iterable[int] | None = None,
           *, limit: int = CHUNK) -> JobResult:
    """Make points spendable for orders whose return window has closed."""
    query = select(orders.c.id, orders.c.order_id, orders.c.member_id,
                   orders.c.origin_member_id, orders.c.points, orders.c.reversed,
                   orders.c.occurred_at, orders.c.channel, orders.c.store_id).where(
        orders.c.status == "pending", orders.c.available_at <= book.now)
    if member_ids is not None:
        query = query.where(orders.c.member_id.in_(sorted(set(member_ids))))
    due = list(book.db.execute(query.order_by(orders.c.id).limit(limit)))
    if not due:
        return JobResult()
    book.lock({r.member_id for r in due})
    still = set(book.db.execute(select(orders.c.id).where(
        orders.c.id.in_([r.id for r in due]), orders.c.status == "pending")).scalars())
    result = JobResult(done=len(due) < limit)
    for row in due:
        if row.id not in still:
            continue
        left = int(row.points - row.reversed)
        member = book.members[row.member_id]
        if left > 0:
            cause = Cause("order", row.order_id, "system", row.channel, row.store_id,
                          f"return window of order {row.order_id} closed")
            book.entry(member, "pending", "release", -left, cause, origin=row.origin_member_id)
            book.credit(member, left, "release", cause, earned_at=row.occurred_at,
                        expires_at=program.expires_at(row.occurred_at, tz),
                        key=f"release:{row.order_id}", origin=row.origin_member_id)
        result.items += 1
        result.points += left
    book.db.execute(update(orders).where(orders.c.id.in_(sorted(still)))
                    .values(status="available"))
    result.members = len({r.member_id for r in due if r.id in still})
    return result


# --- holds ----------------------------------------------------------------------------

def expire_holds(book: Book, member_ids: Iterable[int] | None = None, *,
                 limit: int = CHUNK) -> JobResult:
    """Release holds whose checkout never captured them in time."""
    query = select(holds.c.member_id).where(holds.c.status == "held",
                                            holds.c.expires_at <= book.now)
    if member_ids is not None:
        query = query.where(holds.c.member_id.in_(sorted(set(member_ids))))
    owners = {int(m) for m in book.db.execute(query.limit(limit)).scalars()}
    if not owners:
        return JobResult()
    book.lock(owners)
    due = list(book.db.execute(select(holds.c.id, holds.c.member_id, holds.c.points).where(
        holds.c.member_id.in_(sorted(owners)), holds.c.status == "held",
        holds.c.expires_at <= book.now)))
    for row in due:
        member = book.members[row.member_id]
        member.held -= int(row.points)
        member.dirty = True
    if due:
        book.db.execute(update(holds).where(holds.c.id.in_([r.id for r in due]))
                        .values(status="expired", settled_at=book.now))
    return JobResult(len(owners), len(due), sum(int(r.points) for r in due),
                     done=len(owners) < limit)


# --- expiry ---------------------------------------------------------------------------

def expire_lots(book: Book, outbox: Outbox, *, limit: int = CHUNK) -> JobResult:
    """Expire what is left of every lot past its date, oldest first, one entry per member.
    Points on hold for a checkout are left until the hold settles (a capture spends them
    first; after a release the next run expires them)."""
    due_members = list(book.db.execute(
        select(lots.c.member_id).join(members, members.c.id == lots.c.member_id)
        .where(lots.c.remaining > 0, lots.c.expires_at <= book.now,
               members.c.held < members.c.balance)
        .order_by(lots.c.expires_at).limit(limit)).scalars())
    owners = set(int(m) for m in due_members)
    if not owners:
        return JobResult()
    book.lock(owners)
    book.preload_lots(owners)
    result = JobResult(done=len(due_members) < limit)
    for member_id in sorted(owners):
        member = book.members[member_id]
        gone = sorted((lot for lot in book.lots_of(member_id)
                       if lot.remaining > 0 and lot.expires_at is not None
                       and lot.expires_at <= book.now), key=Lot.order_key)
        points = min(sum(lot.remaining for lot in gone), max(member.spendable, 0))
        if points <= 0:
            continue
        left, used = points, 0
        for lot in gone:
            take = min(lot.remaining, left)
            if take:
                lot.remaining, lot.changed = lot.remaining - take, True
                left, used = left - take, used + 1
        last = max(lot.expires_at for lot in gone if lot.expires_at is not None)
        cause = Cause("expiry", f"lots expiring until {last.date().isoformat()}", "system",
                      note=f"{used} lot(s) expired, oldest first")
        book.entry(member, "available", "expire", -points, cause)
        outbox.emit(book.db, "Points Expired", person_id=member.person_id, actor="system",
                    occurred_at=book.now, properties={
                        "member_no": member.member_no, "points": points, "lots": used,
                        "balance": member.balance})
        result.members += 1
        result.items += used
        result.points += points
    return result


# --- tiers ----------------------------------------------------------------------------

def recalc_tiers(book: Book, program: Program, outbox: Outbox, *, after_id: int = 0,
                 limit: int = CHUNK) -> tuple[JobResult, int]:
    """Recompute the tier of active members with id > `after_id`; downgrades only after
    the grace period. Returns the result and the last member id seen (the next cursor)."""
    ids = [int(m) for m in book.db.execute(
        select(members.c.id).where(members.c.id > after_id, members.c.status == "active")
        .order_by(members.c.id).limit(limit)).scalars()]
    if not ids:
        return JobResult(), after_id
    book.lock(ids)
    spends = spend_of(book.db, ids, now=book.now, window_days=program.spend_window_days)
    changes = update_tiers(book, program, spends, outbox, allow_downgrade=True)
    return JobResult(len(ids), len(changes), 0, done=len(ids) < limit), ids[-1]


# --- chunk steps for `run` ----------------------------------------------------------------

def _step(job: Callable[[Book, Program], JobResult], now: datetime | None
          ) -> Callable[[Connection], JobResult]:
    def step(db: Connection) -> JobResult:
        book = Book(db, now or utcnow())
        result = job(book, load_program(db))
        book.flush()
        return result
    return step


def mature_step(tz: ZoneInfo, now: datetime | None = None) -> Callable[[Connection], JobResult]:
    return _step(lambda book, program: mature(book, program, tz), now)


def holds_step(now: datetime | None = None) -> Callable[[Connection], JobResult]:
    return _step(lambda book, program: expire_holds(book), now)


def expiry_step(outbox: Outbox, now: datetime | None = None
                ) -> Callable[[Connection], JobResult]:
    return _step(lambda book, program: expire_lots(book, outbox), now)


def tiers_step(outbox: Outbox, now: datetime | None = None) -> Callable[[Connection], JobResult]:
    cursor = [0]

    def job(book: Book, program: Program) -> JobResult:
        result, cursor[0] = recalc_tiers(book, program, outbox, after_id=cursor[0])
        return result
    return _step(job, now)


def settle_member(book: Book, member_id: int, program: Program, tz: ZoneInfo) -> None:
    """Before spending: release this member's timed-out holds and matured points."""
    expire_holds(book, [member_id])
    mature(book, program, tz, [member_id])

