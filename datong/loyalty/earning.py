"""Points from orders of any channel, and their reversal when an order is refunded.

Runs as an ingest hook after identity and profiles, inside the ingest transaction, over a
whole batch at once (an import of POS files may bring thousands of orders in one batch):
one earning per `order_id` however often the event is replayed; earned points stay pending
until the order's return window closes; a refund reverses the earned points in proportion
to the refunded amount and, where they were already spent, records a debt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select, update

from datong.bounds import whole_fen
from datong.identity.store import chunks
from datong.loyalty import members as member_store
from datong.loyalty.ledger import Book, Cause, MemberState
from datong.loyalty.program import Program, load_program
from datong.loyalty.tables import entries, orders
from datong.loyalty.tiers import spend_of, update_tiers
from datong.outbox.service import Outbox
from datong.profiles.store import persons_of_events
from datong.settings import Settings
from datong.store.database import insert_with_ids
from datong.store.types import utcnow

COMPLETED, REFUNDED = "Order Completed", "Order Refunded"


class LoyaltyHook:
    """The ingest hook (datong.ingest.log.EventHook); runs after identity and profiles."""

    def __init__(self, settings: Settings, outbox: Outbox,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.outbox = outbox
        self.clock = clock  # what "now" is for return windows (a replay may set it)

    def __call__(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        found = [r for r in rows if r["type"] == "track" and r["event"] in (COMPLETED, REFUNDED)
                 and _order_id(r) is not None]
        if found:
            apply_order_events(db, found, settings=self.settings, outbox=self.outbox,
                               now=self.clock())


@dataclass
class _Order:
    id: int | None
    order_id: str
    member_id: int
    origin_member_id: int
    paid: int
    refunded: int
    points: int
    reversed: int
    status: str
    changed: bool = False


def _order_id(row: dict[str, Any]) -> str | None:
    value = (row.get("properties") or {}).get("order_id")
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200]
    return None


def _fen(value: Any) -> int | None:
    """Money must be whole fen: an int, or a float with nothing after the point (and no
    more than datong.bounds.MAX_FEN)."""
    return whole_fen(value)


def apply_order_events(db: Connection, rows: Sequence[dict[str, Any]], *, settings: Settings,
                       outbox: Outbox, now: datetime | None = None) -> None:
    """Earn for completed orders and reverse for refunds, for members only."""
    now = now or utcnow()
    program = load_program(db)
    rows = sorted(rows, key=lambda r: (r["timestamp"], r["id"]))
    owner = _members_of_events(db, [r for r in rows if r["event"] == COMPLETED], settings,
                               program)
    ids = [_order_id(r) or "" for r in rows]
    known = _load_orders(db, ids)
    if not owner and not any(r["event"] == REFUNDED and i in known for r, i in zip(
            rows, ids, strict=True)):
        return
    book = Book(db, now)
    book.lock({*owner.values(), *(o.member_id for o in known.values())})
    earning = _Earning(db, program, settings.tz, book, outbox, known)
    for row, order_id in zip(rows, ids, strict=True):
        member = book.members.get(owner.get(row["id"], -1))
        if row["event"] == COMPLETED and member is not None and member.status == "active":
            earning.complete(row, order_id, member)
        elif row["event"] == REFUNDED and order_id in known:
            earning.refund(row, known[order_id])
    earning.write()
    spends = spend_of(db, earning.touched, now=now, window_days=program.spend_window_days)
    update_tiers(book, program, spends, outbox, allow_downgrade=False)
    book.flush()


def _members_of_events(db: Connection, rows: Sequence[dict[str, Any]], settings: Settings,
                       program: Program) -> dict[int, int]:
    """event id → the member it earns for: the member of its person, else the member the
    till named (`member_no`, or a rotating `member_code` valid at the event's time)."""
    persons = persons_of_events(db, (r["id"] for r in rows))
    by_person = member_store.members_of_persons(db, set(persons.values()))
    owner = {e: by_person[p] for e, p in persons.items() if p in by_person}
    for row in rows:
        if row["id"] in owner:
            continue
        member = member_store.member_named_by_till(
            db, row.get("properties") or {}, row["timestamp"], settings.secret_key,
            program.member_code_seconds)
        if member is not None:
            owner[row["id"]] = member
    return owner


def _load_orders(db: Connection, order_ids: list[str]) -> dict[str, _Order]:
    found: dict[str, _Order] = {}
    for part in chunks(sorted(set(order_ids))):
        query = select(orders.c.id, orders.c.order_id, orders.c.member_id,
                       orders.c.origin_member_id, orders.c.paid, orders.c.refunded,
                       orders.c.points, orders.c.reversed, orders.c.status
                       ).where(orders.c.order_id.in_(part))
        found.update({r.order_id: _Order(*r) for r in db.execute(query)})
    return found


class _Earning:
    """The orders of one batch, applied in event-time order to the locked members."""

    def __init__(self, db: Connection, program: Program, tz: ZoneInfo, book: Book,
                 outbox: Outbox, known: dict[str, _Order]) -> None:
        self.db, self.program, self.tz, self.book, self.outbox = db, program, tz, book, outbox
        self.known = known
        self.new_orders: list[dict[str, Any]] = []
        self.touched: set[int] = set()
        self.earned: list[dict[str, Any]] = []  # Points Earned, emitted together
        self._stores = member_store.store_ids(db)
        self._daily: dict[tuple[int, Any], int] | None = None
        self._refund_keys: set[str] = set()

    def complete(self, row: dict[str, Any], order_id: str, member: MemberState) -> None:
        if order_id in self.known:
            return  # a replay, or the same order sent again: it earned once already
        props = row.get("properties") or {}
        total = _fen(props.get("total"))
        if total is None or total < 0:
            return  # no usable amount: nothing to earn on, and nothing to undo later
        paid = max(total - max(_fen(props.get("paid_with_points")) or 0, 0), 0)
        when: datetime = row["timestamp"]
        points = self._capped(member.id, when, order_points(
            self.program, props, paid, tier=member.tier, channel=row["channel"],
            store_code=row.get("store_code")))
        available_at = when + timedelta(days=self.program.return_window_days)
        pending = available_at > self.book.now
        store_id = self._stores.get(row.get("store_code") or "")
        cause = Cause("order", order_id, "system", row["channel"], store_id,
                      f"order {order_id}: paid {paid} fen")
        if points > 0 and pending:
            self.book.entry(member, "pending", "earn", points, cause, key=f"earn:{order_id}")
        elif points > 0:
            self.book.credit(member, points, "earn", cause, earned_at=when,
                             expires_at=self.program.expires_at(when, self.tz),
                             key=f"earn:{order_id}")
        status = "pending" if pending else "available"
        self.known[order_id] = _Order(None, order_id, member.id, member.id, paid, 0, points, 0,
                                      status)
        self.new_orders.append({
            "order_id": order_id, "member_id": member.id, "origin_member_id": member.id,
            "event_id": row["id"], "channel": row["channel"], "store_id": store_id,
            "occurred_at": when, "paid": paid, "refunded": 0, "points": points,
            "reversed": 0, "status": status, "available_at": available_at})
        self.touched.add(member.id)
        self.earned.append({
            "person_id": member.person_id, "channel": row["channel"], "store_id": store_id,
            "actor": "system", "occurred_at": self.book.now, "properties": {
                "member_no": member.member_no, "order_id": order_id, "points": points,
                "paid": paid, "status": status, "available_at": available_at.isoformat()}})

    def _capped(self, member_id: int, when: datetime, points: int) -> int:
        per_day = self.program.caps.per_day
        if per_day is None or points <= 0:
            return points
        if self._daily is None:
            self._daily = member_store.earned_by_day(
                self.db, set(self.book.members), since=when - timedelta(days=2), tz=self.tz)
        day = (member_id, when.astimezone(self.tz).date())
        allowed = max(min(points, per_day - self._daily.get(day, 0)), 0)
        self._daily[day] = self._daily.get(day, 0) + allowed
        return allowed

    def refund(self, row: dict[str, Any], order: _Order) -> None:
        props = row.get("properties") or {}
        refund_ref = str(props.get("refund_id") or f"{row['source_id']}:{row['message_id']}")
        key = f"refund:{order.order_id}:{refund_ref}"[:200]
        if key in self._refund_keys or self._refund_seen(key):
            return
        self._refund_keys.add(key)
        lines = props.get("products")
        amount = _fen(props.get("total"))
        full = not lines or amount is None
        # a till prints a refund with negative quantities: its total is what was refunded
        refunded = order.paid if full else min(order.paid, order.refunded + abs(amount or 0))
        target = order.points if refunded >= order.paid else (
            order.points * refunded // order.paid if order.paid else 0)
        points = max(target - order.reversed, 0)
        member = self.book.members[order.member_id]
        store_id = self._stores.get(row.get("store_code") or "")
        cause = Cause("refund", order.order_id, "system", row["channel"], store_id,
                      f"refund of {refunded - order.refunded} fen on order {order.order_id}")
        self._reverse(member, order, points, cause, key)
        order.refunded, order.reversed, order.changed = refunded, order.reversed + points, True
        self.touched.add(member.id)

    def _refund_seen(self, key: str) -> bool:
        query = select(entries.c.id).where(entries.c.idempotency_key == key)
        return self.db.execute(query).first() is not None

    def _reverse(self, member: MemberState, order: _Order, points: int, cause: Cause,
                 key: str) -> None:
        origin = order.origin_member_id
        if order.status == "pending":
            self.book.entry(member, "pending", "reverse", -points, cause, key=key, origin=origin)
            return
        take = min(points, member.spendable)
        if take:
            self.book.debit(member, take, "reverse", cause, key=key, origin=origin)
        if points - take:
            owed = Cause(cause.type, cause.ref, cause.actor, cause.channel, cause.store_id,
                         f"{points - take} points were spent before the refund: owed, "
                         "repaid from future earnings")
            self.book.entry(member, "debt", "reverse", points - take, owed,
                            key=None if take else key, origin=origin)
        if not points:  # nothing to reverse (rounding): still on record, once
            self.book.entry(member, "available", "reverse", 0, cause, key=key, origin=origin)

    def write(self) -> None:
        self.outbox.emit_many(self.db, "Points Earned", self.earned)
        if self.new_orders:
            insert_with_ids(self.db, orders, self.new_orders)
        changed = [o for o in self.known.values() if o.changed and o.id is not None]
        if changed:
            self.db.execute(
                update(orders).where(orders.c.id == bindparam("oid"))
                .values(refunded=bindparam("rf"), reversed=bindparam("rv")),
                [{"oid": o.id, "rf": o.refunded, "rv": o.reversed} for o in changed])
        fresh = [o for o in self.known.values() if o.changed and o.id is None]
        for order in fresh:  # completed and refunded in the same batch
            self.db.execute(update(orders).where(orders.c.order_id == order.order_id)
                            .values(refunded=order.refunded, reversed=order.reversed))


def order_points(program: Program, props: dict[str, Any], paid: int, *, tier: str,
                 channel: str, store_code: str | None) -> int:
    """Points an order earns: the paid fen spread over its lines by value (each line times
    its category multiplier), times the rate and the tier, channel and store multipliers,
    rounded down once; then the per-order cap."""
    weighted = Decimal(paid)
    lines = _lines(props.get("products"))
    line_total = sum(value for _, value in lines)
    if line_total > 0 and program.category_multipliers:
        mult = program.category_multipliers
        weighted = sum((Decimal(v) * mult.get(c or "", Decimal(1)) for c, v in lines),
                       Decimal(0)) * paid / line_total
    factor = (program.points_per_yuan * program.tier(tier).multiplier
              * program.channel_multipliers.get(channel, Decimal(1))
              * program.store_multipliers.get(store_code or "", Decimal(1)))
    points = int((weighted * factor / 100).to_integral_value(rounding=ROUND_FLOOR))
    cap = program.caps.per_order
    return min(points, cap) if cap is not None else points


def _lines(products: Any) -> list[tuple[str | None, int]]:
    if not isinstance(products, list):
        return []
    out = []
    for item in products:
        if not isinstance(item, dict):
            continue
        price, quantity = _fen(item.get("price")), item.get("quantity", 1)
        if price is None or not isinstance(quantity, int) or isinstance(quantity, bool):
            continue
        category = item.get("category")
        out.append((str(category) if category is not None else None, max(price * quantity, 0)))
    return out
