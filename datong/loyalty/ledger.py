"""The ledger's write side: members locked, entries appended, lots consumed FIFO, balances
kept equal to the ledger — all in memory for one transaction, then written in bulk.

Every change to a member's points goes through a `Book`: lock the members first (a row lock
on PostgreSQL; SQLite's writer lock is already held by the transaction), then credit, debit,
move pending points or record debt, then `flush`. Because the rows are locked and the new
sums are computed from what was read under the lock, concurrent earn/redeem from app and
store cannot lose an update or overdraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from datong.errors import Conflict
from datong.identity.store import chunks
from datong.loyalty.tables import entries, lots, members
from datong.store.database import driver_value, insert_with_ids, is_postgres

ACCOUNTS = ("available", "pending", "debt")


@dataclass
class MemberState:
    id: int
    member_no: str
    person_id: int
    status: str
    tier: str
    tier_since: datetime
    downgrade_at: datetime | None
    store_id: int | None
    balance: int
    pending: int
    debt: int
    held: int
    enrolled_at: datetime
    dirty: bool = False

    @property
    def spendable(self) -> int:
        return self.balance - self.held

    def account(self, name: str) -> int:
        return {"available": self.balance, "pending": self.pending, "debt": self.debt}[name]

    def move(self, name: str, points: int) -> int:
        if name == "available":
            self.balance += points
            value = self.balance
        elif name == "pending":
            self.pending += points
            value = self.pending
        else:
            self.debt += points
            value = self.debt
        if value < 0:  # the one rule the ledger never breaks
            raise AssertionError(f"member {self.id}: {name} would go negative ({value})")
        self.dirty = True
        return value


@dataclass
class Lot:
    id: int | None
    member_id: int
    origin_member_id: int
    points: int
    remaining: int
    earned_at: datetime
    expires_at: datetime | None
    entry_index: int | None = None  # a new lot: the index of its credit in the book
    changed: bool = False

    def order_key(self) -> tuple[int, datetime, datetime, int]:
        # FIFO: what expires first goes first; points that never expire go last.
        far = self.expires_at or datetime.max.replace(tzinfo=self.earned_at.tzinfo)
        return (0 if self.expires_at else 1, far, self.earned_at, self.id or 1 << 62)


@dataclass
class Cause:
    """Why points moved, and who moved them where."""

    type: str
    ref: str
    actor: str
    channel: str | None = None
    store_id: int | None = None
    note: str = ""


_MEMBER_COLUMNS = ("id", "member_no", "person_id", "status", "tier", "tier_since",
                   "downgrade_at", "store_id", "balance", "pending", "debt", "held",
                   "enrolled_at")


def load_members(db: Connection, ids: Iterable[int], *, lock: bool) -> dict[int, MemberState]:
    """Members by id; with `lock`, rows are locked (in id order, so two books never deadlock)."""
    found: dict[int, MemberState] = {}
    for part in chunks(sorted(set(ids))):
        query = (select(*(members.c[c] for c in _MEMBER_COLUMNS))
                 .where(members.c.id.in_(part)).order_by(members.c.id))
        if lock:
            query = query.with_for_update()
        for row in db.execute(query).mappings():
            found[row["id"]] = MemberState(**row)
    return found


@dataclass
class Book:
    """Point movements of one transaction."""

    db: Connection
    now: datetime
    members: dict[int, MemberState] = field(default_factory=dict)
    origin: dict[int, int] = field(default_factory=dict)  # member → origin for its entries
    _entries: list[dict[str, Any]] = field(default_factory=list)
    _lots: dict[int, list[Lot]] = field(default_factory=dict)  # live lots, once read
    _added: dict[int, list[Lot]] = field(default_factory=dict)  # new lots of unread members
    _new_lots: list[Lot] = field(default_factory=list)

    def lock(self, ids: Iterable[int]) -> dict[int, MemberState]:
        wanted = set(ids) - set(self.members)
        if wanted:
            self.members.update(load_members(self.db, wanted, lock=True))
        return self.members

    # --- movements --------------------------------------------------------------------

    def entry(self, member: MemberState, account: str, kind: str, points: int, cause: Cause,
              *, key: str | None = None, origin: int | None = None) -> int:
        """Append one entry and move the account; return its index in this book."""
        after = member.move(account, points)
        self._entries.append({
            "member_id": member.id, "origin_member_id": origin or member.id,
            "person_id": member.person_id, "account": account, "kind": kind, "points": points,
            "balance_after": after, "cause_type": cause.type, "cause_ref": cause.ref[:200],
            "idempotency_key": key, "channel": cause.channel, "store_id": cause.store_id,
            "actor": cause.actor, "note": cause.note[:500], "created_at": self.now,
        })
        return len(self._entries) - 1

    def credit(self, member: MemberState, points: int, kind: str, cause: Cause, *,
               earned_at: datetime, expires_at: datetime | None, key: str | None = None,
               origin: int | None = None) -> int:
        """Make points spendable (a new lot); any debt is repaid from them first."""
        index = self.entry(member, "available", kind, points, cause, key=key, origin=origin)
        if points > 0:
            self._add(Lot(None, member.id, origin or member.id, points, points, earned_at,
                          expires_at, entry_index=index))
        self.repay(member, cause)
        return index

    def repay(self, member: MemberState, cause: Cause) -> None:
        amount = min(member.debt, member.spendable)
        if amount > 0:
            repaid = Cause("debt", cause.ref, cause.actor, cause.channel, cause.store_id,
                           "repays points reversed after they were spent")
            self.debit(member, amount, "repay", repaid)
            self.entry(member, "debt", "repay", -amount, repaid)

    def debit(self, member: MemberState, points: int, kind: str, cause: Cause, *,
              key: str | None = None, origin: int | None = None) -> int:
        """Take spendable points (oldest lots first)."""
        if points <= 0:
            raise ValueError("debit needs a positive number of points")
        if member.spendable < points:
            raise Conflict(
                f"member {member.member_no} has {member.spendable} spendable points, "
                f"not {points}", code="insufficient_points",
                params={"spendable": member.spendable, "wanted": points})
        self.consume(member.id, points)
        return self.entry(member, "available", kind, -points, cause, key=key, origin=origin)

    def consume(self, member_id: int, points: int) -> None:
        left = points
        for lot in sorted(self._lot_list(member_id), key=Lot.order_key):
            if left == 0:
                break
            take = min(lot.remaining, left)
            if take:
                lot.remaining -= take
                lot.changed = True
                left -= take
        if left:
            raise AssertionError(f"member {member_id}: lots hold {points - left} of {points}")

    def add_lot(self, member: MemberState, points: int, earned_at: datetime,
                expires_at: datetime | None) -> None:
        """A lot without a credit of its own (points moved between members' lots)."""
        self._add(Lot(None, member.id, member.id, points, points, earned_at, expires_at))

    def _add(self, lot: Lot) -> None:
        """A new lot; the member's stored lots are only read when something consumes them."""
        if lot.member_id in self._lots:
            self._lots[lot.member_id].append(lot)
        else:
            self._added.setdefault(lot.member_id, []).append(lot)
        self._new_lots.append(lot)

    def lots_of(self, member_id: int) -> list[Lot]:
        return self._lot_list(member_id)

    def _lot_list(self, member_id: int) -> list[Lot]:
        if member_id not in self._lots:
            rows = self.db.execute(select(lots).where(
                lots.c.member_id == member_id, lots.c.remaining > 0)).mappings()
            self._lots[member_id] = [
                Lot(r["id"], r["member_id"], r["origin_member_id"], r["points"],
                    r["remaining"], r["earned_at"], r["expires_at"]) for r in rows
            ] + self._added.pop(member_id, [])
        return self._lots[member_id]

    def preload_lots(self, member_ids: Iterable[int], *, before: datetime | None = None) -> None:
        """Load the live lots of many members at once (jobs, merges)."""
        wanted = sorted(set(member_ids) - set(self._lots))
        for member_id in wanted:
            self._lots[member_id] = self._added.pop(member_id, [])
        for part in chunks(wanted):
            query = select(lots).where(lots.c.member_id.in_(part), lots.c.remaining > 0)
            for r in self.db.execute(query).mappings():
                self._lots[r["member_id"]].append(
                    Lot(r["id"], r["member_id"], r["origin_member_id"], r["points"],
                        r["remaining"], r["earned_at"], r["expires_at"]))

    # --- writing ----------------------------------------------------------------------

    def flush(self) -> list[int]:
        """Write entries, lots and member sums; return the new entry ids in order."""
        ids = insert_with_ids(self.db, entries, self._entries)
        self._entries = []
        new = [lot for lot in self._new_lots if lot.id is None]
        lot_ids = insert_with_ids(self.db, lots, [{
            "member_id": lot.member_id, "origin_member_id": lot.origin_member_id,
            "entry_id": ids[lot.entry_index] if lot.entry_index is not None else None,
            "points": lot.points, "remaining": lot.remaining, "earned_at": lot.earned_at,
            "expires_at": lot.expires_at} for lot in new])
        for lot, lot_id in zip(new, lot_ids, strict=True):
            lot.id, lot.changed, lot.entry_index = lot_id, False, None
        changed = [lot for ls in self._lots.values() for lot in ls
                   if lot.changed and lot.id is not None]
        if changed:
            self.db.execute(update(lots).where(lots.c.id == bindparam("lot_id"))
                            .values(remaining=bindparam("left")),
                            [{"lot_id": lot.id, "left": lot.remaining} for lot in changed])
            for lot in changed:
                lot.changed = False
        self._new_lots = []
        self._added = {}  # written: a later read finds them in the table
        self._write_members()
        return ids

    def _write_members(self) -> None:
        dirty = [m for m in self.members.values() if m.dirty]
        if not dirty:
            return
        mark = "%s" if is_postgres(self.db) else "?"
        columns = ("balance", "pending", "debt", "held", "tier", "tier_since",
                   "downgrade_at", "person_id", "status")
        sets = ", ".join(f"{c} = {mark}" for c in columns)
        times: dict[datetime, object] = {}

        def when(value: datetime | None) -> object:
            if value is None:
                return None
            if value not in times:
                times[value] = driver_value(self.db, value)
            return times[value]

        # Through the driver: one row per member of an ingest batch, thousands at a time.
        self.db.exec_driver_sql(
            f"UPDATE loyalty_members SET {sets} WHERE id = {mark}",
            [(m.balance, m.pending, m.debt, m.held, m.tier, when(m.tier_since),
              when(m.downgrade_at), m.person_id, m.status, m.id) for m in dirty])
        for m in dirty:
            m.dirty = False
