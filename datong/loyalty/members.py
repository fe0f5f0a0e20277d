"""Finding members: by person, number, phone or rotating code; a few bulk reads for earning."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from datong.bounds import is_ascii_digits, parse_id
from datong.errors import Invalid, NotFound
from datong.identity.service import current_person
from datong.identity.store import chunks
from datong.loyalty.codes import looks_like_member_code, read_member_code
from datong.loyalty.tables import members, orders
from datong.stores.tables import stores


@dataclass(frozen=True)
class Member:
    id: int
    member_no: str
    person_id: int
    tier: str
    status: str
    enrolled_at: datetime
    store_id: int | None
    phone: str = ""
    name: str = ""
    channel: str = "online"
    clerk_id: str | None = None
    balance: int = 0
    pending: int = 0
    debt: int = 0
    held: int = 0
    tier_since: datetime | None = None
    downgrade_at: datetime | None = None
    merged_into: int | None = None

    @property
    def spendable(self) -> int:
        return self.balance - self.held

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "member_no": self.member_no, "person_id": self.person_id,
            "phone": self.phone, "name": self.name, "tier": self.tier, "status": self.status,
            "enrolled_at": self.enrolled_at, "channel": self.channel, "store_id": self.store_id,
            "clerk_id": self.clerk_id, "tier_since": self.tier_since,
            "downgrade_at": self.downgrade_at, "merged_into": self.merged_into,
            "points": {"balance": self.balance, "spendable": self.spendable,
                       "held": self.held, "pending": self.pending, "debt": self.debt},
        }


_FIELDS = [c for c in Member.__dataclass_fields__ if c != "spendable"]


def _member(row: Any) -> Member:
    return Member(**{name: row[name] for name in _FIELDS})


def get_member(db: Connection, member_id: int, *, follow: bool = True) -> Member:
    """A member by id; a merged one is followed to the member it was merged into."""
    row = db.execute(select(members).where(members.c.id == member_id)).mappings().first()
    if row is None:
        raise NotFound(f"no member {member_id}", code="not_a_member", field="member")
    if follow and row["status"] == "merged" and row["merged_into"] is not None:
        return get_member(db, int(row["merged_into"]), follow=False)
    return _member(row)


def _followed(db: Connection, row: Any) -> Member:
    if row["status"] == "merged" and row["merged_into"] is not None:
        return get_member(db, int(row["merged_into"]), follow=False)
    return _member(row)


def member_by_no(db: Connection, member_no: str) -> Member | None:
    row = db.execute(select(members).where(members.c.member_no == member_no.strip().upper())
                     ).mappings().first()
    return None if row is None else _followed(db, row)


# A datong member number as printed on cards: M + the id in 8 or more digits + a check digit.
MEMBER_NO = re.compile(r"[Mm]\d{9,16}")


def looks_like_member_key(text: str) -> bool:
    """A member number (any case) or a rotating member code, as a search box may get them."""
    text = text.strip()
    return bool(MEMBER_NO.fullmatch(text)) or looks_like_member_code(text)


def member_numbers(db: Connection, person_ids: Iterable[int]) -> dict[int, str]:
    """The member number of each person who is an active member."""
    found: dict[int, str] = {}
    for part in chunks(sorted(set(person_ids))):
        found.update((int(r.person_id), str(r.member_no)) for r in db.execute(
            select(members.c.person_id, members.c.member_no).where(
                members.c.person_id.in_(part), members.c.status == "active")))
    return found


def member_by_phone(db: Connection, phone: str) -> Member | None:
    row = db.execute(select(members).where(members.c.phone == phone)).mappings().first()
    return None if row is None else _followed(db, row)


def member_of_person(db: Connection, person_id: int) -> Member | None:
    """The active member of a person (following the person through merges)."""
    try:
        person = current_person(db=db, person_id=person_id)
    except NotFound:
        return None
    row = db.execute(select(members).where(members.c.person_id == person,
                                           members.c.status == "active")
                     .order_by(members.c.id).limit(1)).mappings().first()
    return None if row is None else _member(row)


def resolve_member(db: Connection, key: str, *, secret: str, now: datetime,
                   code_seconds: int | Callable[[], int]) -> Member:
    """A member by id (`42`), number (`M00000042…`) or a rotating member code."""
    text = key.strip()
    if looks_like_member_code(text):
        seconds = code_seconds() if callable(code_seconds) else code_seconds
        member_id = read_member_code(secret=secret, code=text, at=now, seconds=seconds)
        if member_id is None:
            raise Invalid("the member code has expired or is not valid; ask the customer to "
                          "refresh it in the app", code="member_code_expired", field="code")
        return get_member(db, member_id)
    if is_ascii_digits(text):
        member_id = parse_id(text)
        if member_id is None:
            raise NotFound(f"no member {text}", code="not_a_member", field="member")
        return get_member(db, member_id)
    found = member_by_no(db, text)
    if found is None:
        raise NotFound(f"no member numbered {text!r}", code="not_a_member", field="member")
    return found


def members_of_persons(db: Connection, person_ids: Iterable[int]) -> dict[int, int]:
    """person id → id of its active member."""
    out: dict[int, int] = {}
    for part in chunks(sorted(set(person_ids))):
        query = (select(members.c.person_id, members.c.id)
                 .where(members.c.person_id.in_(part), members.c.status == "active")
                 .order_by(members.c.id.desc()))
        out.update({int(p): int(m) for p, m in db.execute(query)})  # the oldest wins
    return out


def member_named_by_till(db: Connection, props: dict[str, Any], at: datetime, secret: str,
                         code_seconds: int) -> int | None:
    """The member a POS named on an order: a rotating code scanned at the counter (checked
    at the order's time) or the static member number."""
    code = props.get("member_code")
    if isinstance(code, str | int) and not isinstance(code, bool):
        member_id = read_member_code(secret=secret, code=str(code), at=at,
                                     seconds=code_seconds)
        if member_id is not None:
            return get_member(db, member_id).id
    number = props.get("member_no")
    if isinstance(number, str) and number.strip():
        found = member_by_no(db, number)
        if found is not None:
            return found.id
    return None


def store_ids(db: Connection) -> dict[str, int]:
    return {r.code: int(r.id) for r in db.execute(select(stores.c.code, stores.c.id))}


def store_code_of(db: Connection, store_id: int | None) -> str | None:
    if store_id is None:
        return None
    return db.execute(select(stores.c.code).where(stores.c.id == store_id)).scalar()


def earned_by_day(db: Connection, member_ids: set[int], *, since: datetime,
                  tz: ZoneInfo) -> dict[tuple[int, date], int]:
    """Points earned per member per local day (for the daily cap)."""
    out: dict[tuple[int, date], int] = {}
    for part in chunks(sorted(member_ids)):
        query = select(orders.c.member_id, orders.c.occurred_at, orders.c.points).where(
            orders.c.member_id.in_(part), orders.c.occurred_at >= since)
        for member_id, when, points in db.execute(query):
            day = (int(member_id), when.astimezone(tz).date())
            out[day] = out.get(day, 0) + int(points)
    return out
