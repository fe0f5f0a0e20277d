"""Spending points: straight away (points as payment, points for a coupon) or through a hold
for a checkout that may fail (reserve → capture or release, timing out on its own).

Each request carries an idempotency key; the first answer is stored and a retry with the same
key gets it back without spending again (the same key with different terms is refused).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from datong.auth.roles import STORE_BOUND
from datong.auth.tokens import Principal
from datong.errors import Conflict, Forbidden, Invalid, NotFound
from datong.loyalty.jobs import settle_member
from datong.loyalty.ledger import Book, Cause, MemberState
from datong.loyalty.program import Program
from datong.loyalty.tables import holds, requests
from datong.outbox.service import Outbox
from datong.store.types import utcnow


def acting_store(principal: Principal | None, store_id: int | None) -> int | None:
    """The store an action is for: a clerk or store manager acts for their own store only."""
    if principal is None or principal.role not in STORE_BOUND:
        return store_id
    if store_id is not None and store_id != principal.store_id:
        raise Forbidden(f"a {principal.role.value} of store {principal.store_id} cannot act "
                        f"for store {store_id}", code="other_store", field="store")
    return principal.store_id


def check_points(points: Any) -> int:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise Invalid(f"points must be a whole number above 0, not {points!r}", field="points")
    return points


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 150:
        raise Invalid("an idempotency_key of 1 to 150 characters is required",
                      field="idempotency_key")
    return key.strip()


def _fingerprint(terms: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(terms, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _replayed(db: Connection, key: str, terms: dict[str, Any]) -> dict[str, Any] | None:
    row = db.execute(select(requests.c.fingerprint, requests.c.response)
                     .where(requests.c.key == key)).first()
    if row is None:
        return None
    if row.fingerprint != _fingerprint(terms):
        raise Conflict(f"the idempotency key {key!r} was used before for a different request",
                       code="idempotency_key_reused", field="idempotency_key")
    answer: dict[str, Any] = row.response
    return answer


def _remember(db: Connection, key: str, member_id: int, terms: dict[str, Any],
              response: dict[str, Any], now: datetime) -> None:
    try:
        with db.begin_nested():
            db.execute(requests.insert().values(
                key=key, member_id=member_id, fingerprint=_fingerprint(terms),
                response=response, created_at=now))
    except IntegrityError:
        raise Conflict(f"the idempotency key {key!r} is in use by another request",
                       code="idempotency_key_reused", field="idempotency_key") from None


@dataclass
class Spender:
    """What a spend needs around it: the program, the time zone and the outbox."""

    db: Connection
    program: Program
    tz: ZoneInfo
    outbox: Outbox
    now: datetime

    def locked(self, member_id: int) -> tuple[Book, MemberState]:
        book = Book(self.db, self.now)
        book.lock([member_id])
        if member_id not in book.members:
            raise NotFound(f"no member {member_id}", code="not_a_member", field="member")
        member = book.members[member_id]
        if member.status != "active":
            raise Conflict(f"member {member.member_no} was merged into another member",
                           code="member_merged", params={"member_no": member.member_no})
        settle_member(book, member_id, self.program, self.tz)
        book.flush()  # whatever follows (a replayed answer, a refusal) keeps this consistent
        return book, member

    def spend(self, member_id: int, points: int, cause: Cause, key: str,
              terms: dict[str, Any]) -> dict[str, Any]:
        book, member = self.locked(member_id)
        answer = _replayed(self.db, key, terms)
        if answer is not None:
            return answer
        index = book.debit(member, points, "redeem", cause, key=f"redeem:{key}")
        entry_id = book.flush()[index]
        answer = {"member_id": member.id, "member_no": member.member_no, "points": points,
                  "entry_id": entry_id, "balance": member.balance,
                  "spendable": member.spendable, "status": "spent"}
        _remember(self.db, key, member.id, terms, answer, self.now)
        self._emit_redeemed(member, points, cause)
        return answer

    def _emit_redeemed(self, member: MemberState, points: int, cause: Cause) -> None:
        self.outbox.emit(self.db, "Points Redeemed", person_id=member.person_id,
                         channel=cause.channel, store_id=cause.store_id, actor=cause.actor,
                         occurred_at=self.now, properties={
                             "member_no": member.member_no, "points": points,
                             "cause_type": cause.type, "cause_ref": cause.ref,
                             "value_fen": points * self.program.point_value,
                             "balance": member.balance})

    def hold(self, member_id: int, points: int, cause: Cause, key: str,
             terms: dict[str, Any], seconds: int | None) -> dict[str, Any]:
        book, member = self.locked(member_id)
        answer = _replayed(self.db, key, terms)
        if answer is not None:
            return answer
        if member.spendable < points:
            raise Conflict(f"member {member.member_no} has {member.spendable} spendable "
                           f"points, not {points}", code="insufficient_points",
                           params={"spendable": member.spendable, "wanted": points})
        member.held += points
        member.dirty = True
        expires = self.now + timedelta(seconds=seconds or self.program.hold_timeout_seconds)
        result = self.db.execute(holds.insert().values(
            member_id=member.id, points=points, status="held", order_ref=cause.ref,
            idempotency_key=key, channel=cause.channel, store_id=cause.store_id,
            actor=cause.actor, created_at=self.now, expires_at=expires))
        assert result.inserted_primary_key is not None
        book.flush()
        answer = {"member_id": member.id, "member_no": member.member_no, "points": points,
                  "hold_id": int(result.inserted_primary_key[0]), "status": "held",
                  "expires_at": expires.isoformat(), "balance": member.balance,
                  "spendable": member.spendable}
        _remember(self.db, key, member.id, terms, answer, self.now)
        return answer

    def settle(self, member_id: int, hold_id: int, *, capture: bool, actor: str,
               store_id: int | None) -> dict[str, Any]:
        """Capture (spend) or release a hold; doing it again answers the same."""
        book, member = self.locked(member_id)
        row = self.db.execute(select(holds).where(
            holds.c.id == hold_id, holds.c.member_id == member_id)).mappings().first()
        if row is None:
            raise NotFound(f"member {member.member_no} has no hold {hold_id}", field="hold")
        if row["store_id"] is not None and store_id is not None and row["store_id"] != store_id:
            raise Forbidden("the hold was made for another store", code="other_store")
        wanted = "captured" if capture else "released"
        status = row["status"]
        if status == "held":
            status = self._settle_held(book, member, row, capture, actor)
        elif status != wanted:
            code = "hold_expired" if status == "expired" else f"hold_{status}"
            raise Conflict(f"hold {hold_id} is {status}; it cannot be {wanted} now", code=code)
        return {"member_id": member.id, "member_no": member.member_no, "hold_id": hold_id,
                "points": int(row["points"]), "status": status, "balance": member.balance,
                "spendable": member.spendable}

    def _settle_held(self, book: Book, member: MemberState, row: Any, capture: bool,
                     actor: str) -> str:
        points = int(row["points"])
        member.held -= points
        member.dirty = True
        entry_id = None
        cause = Cause("payment", row["order_ref"], actor, row["channel"], row["store_id"],
                      f"hold {row['id']} captured")
        if capture:
            index = book.debit(member, points, "redeem", cause, key=f"hold:{row['id']}")
            entry_id = book.flush()[index]
        else:
            book.flush()
        status = "captured" if capture else "released"
        self.db.execute(update(holds).where(holds.c.id == row["id"]).values(
            status=status, settled_at=self.now, entry_id=entry_id))
        if capture:
            self._emit_redeemed(member, points, cause)
        return status

    def adjust(self, member_id: int, points: int, cause: Cause, key: str,
               terms: dict[str, Any]) -> dict[str, Any]:
        """An admin's correction: positive credits a lot, negative takes spendable points."""
        book, member = self.locked(member_id)
        answer = _replayed(self.db, key, terms)
        if answer is not None:
            return answer
        if points > 0:
            index = book.credit(member, points, "adjust", cause, earned_at=self.now,
                                expires_at=self.program.expires_at(self.now, self.tz),
                                key=f"adjust:{key}")
        else:
            index = book.debit(member, -points, "adjust", cause, key=f"adjust:{key}")
        entry_id = book.flush()[index]
        answer = {"member_id": member.id, "member_no": member.member_no, "points": points,
                  "entry_id": entry_id, "balance": member.balance,
                  "spendable": member.spendable, "debt": member.debt}
        _remember(self.db, key, member.id, terms, answer, self.now)
        return answer


def spender(db: Connection, program: Program, tz: ZoneInfo, outbox: Outbox,
            now: datetime | None = None) -> Spender:
    return Spender(db, program, tz, outbox, now or utcnow())
