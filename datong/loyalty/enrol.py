"""Enrolment from any channel: the app, a clerk at the counter, a store's or clerk's QR code.

The phone (verified by the caller) is required. It is written to the event log as an
`identify` call from datong's own source, through the same ingest hooks as any message, so
identity (#3) links it to the customer's existing person — or makes one — exactly as it
would a tracked identify, and the enrolment shows on the customer's timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from datong.auth.tables import staff
from datong.auth.tokens import Principal
from datong.errors import Conflict, Invalid, NotFound
from datong.identity.rules import Rules
from datong.identity.service import find_person
from datong.ingest import log
from datong.ingest.log import EventHook
from datong.ingest.sources import create_source
from datong.ingest.tables import sources
from datong.loyalty.codes import read_enrol_link
from datong.loyalty.members import (
    Member,
    get_member,
    member_by_phone,
    member_of_person,
    store_code_of,
)
from datong.loyalty.program import Program
from datong.loyalty.redeem import acting_store
from datong.loyalty.tables import members
from datong.outbox.service import Outbox
from datong.store.types import utcnow
from datong.stores.tables import stores

SYSTEM_SOURCE = "datong-loyalty"


@dataclass(frozen=True)
class Enrolment:
    phone: str
    name: str = ""
    channel: str | None = None  # online | offline; offline when a store is given
    store_id: int | None = None
    clerk: str | None = None  # the clerk's username
    referral_code: str | None = None
    enrol_token: str | None = None  # from a store's or clerk's enrolment QR code
    consent_source: str | None = None  # where the customer ticked the terms (a landing page)


def member_no_for(member_id: int) -> str:
    """`M` + the id in 8 digits + a Luhn check digit, so a mistyped number is caught."""
    body = f"{member_id:08d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"M{body}{(10 - total % 10) % 10}"


def enrol(*, db: Connection, data: Enrolment, rules: Rules, program: Program, secret: str,
          outbox: Outbox, hooks: Sequence[EventHook], actor: str,
          principal: Principal | None = None, now: datetime | None = None) -> Member:
    """Make the customer with this phone a member, or refuse naming the member they are."""
    now = now or utcnow()
    store_id, clerk, channel = _where(db, data, secret, now, principal)
    phone = rules.normalise("phone", data.phone)
    if phone is None:
        raise Invalid(f"{data.phone!r} is not a usable mobile number", field="phone",
                      code="bad_phone", params={"phone": data.phone})
    _refuse_existing(db, member_by_phone(db, phone), f"the phone {phone}")
    store_code = store_code_of(db, store_id)
    _identify(db, phone, data, channel, store_code, clerk, now, hooks)
    person = find_person(db=db, rules=rules, type="phone", raw=phone)
    if person is None:
        raise Invalid(f"{phone} could not be linked to a customer", field="phone")
    _refuse_existing(db, member_of_person(db, person), f"the customer with phone {phone}")
    member_id = _insert(db, person, phone, data, channel, store_id, clerk, program, now)
    member = get_member(db, member_id)
    properties: dict[str, object] = {"member_no": member.member_no, "clerk_id": clerk,
                                     "tier": member.tier}
    if data.referral_code:
        properties["referral_code"] = data.referral_code
    outbox.emit(db, "Member Enrolled", person_id=person, channel=channel, store_id=store_id,
                actor=actor, occurred_at=now, properties=properties,
                dedup_key=f"enrol:{member.member_no}")
    return member


def _where(db: Connection, data: Enrolment, secret: str, now: datetime,
           principal: Principal | None) -> tuple[int | None, str | None, str]:
    store_id, clerk = data.store_id, data.clerk
    if data.enrol_token:
        link = read_enrol_link(secret=secret, token=data.enrol_token, now=now)
        if store_id is not None and store_id != link.store_id:
            raise Invalid("the store differs from the enrolment link's store", field="store")
        store_id, clerk = link.store_id, link.clerk or clerk
    store_id = acting_store(principal, store_id)
    if store_id is not None and db.execute(
            select(stores.c.id).where(stores.c.id == store_id)).first() is None:
        raise NotFound(f"no store {store_id}", field="store")
    if clerk is not None:
        check_clerk(db, clerk, store_id)
    channel = data.channel or ("offline" if store_id is not None else "online")
    if channel not in ("online", "offline"):
        raise Invalid(f"channel must be online or offline, not {channel!r}", field="channel")
    return store_id, clerk, channel


def check_clerk(db: Connection, clerk: str, store_id: int | None) -> None:
    row = db.execute(select(staff.c.store_id).where(staff.c.username == clerk)).first()
    if row is None:
        raise NotFound(f"no staff member {clerk!r}", field="clerk")
    if row.store_id is not None and row.store_id != store_id:
        raise Invalid(f"clerk {clerk!r} works at another store", field="clerk")


def _refuse_existing(db: Connection, existing: Member | None, who: str) -> None:
    if existing is None:
        return
    where = store_code_of(db, existing.store_id)
    at = f" at store {where}" if where else f" {existing.channel}"
    raise Conflict(
        f"{who} is already member {existing.member_no} (enrolled "
        f"{existing.enrolled_at.date().isoformat()}{at}, tier {existing.tier})",
        code="already_a_member", field="phone", params={
            "member_no": existing.member_no, "store": where or "",
            "channel": existing.channel, "enrolled_at": existing.enrolled_at.isoformat()})


def system_source_id(db: Connection) -> int:
    """datong's own source for the facts it writes to the event log."""
    found = db.execute(select(sources.c.id).where(sources.c.name == SYSTEM_SOURCE)).scalar()
    if found is not None:
        return int(found)
    source, _ = create_source(db=db, name=SYSTEM_SOURCE, channel="online")
    return source.id


def _identify(db: Connection, phone: str, data: Enrolment, channel: str,
              store_code: str | None, clerk: str | None, now: datetime,
              hooks: Sequence[EventHook]) -> None:
    traits: dict[str, object] = {"phone": phone}
    if data.name.strip():
        traits["name"] = data.name.strip()
    if data.consent_source:
        traits["membership_consent_at"] = now.isoformat()
        traits["membership_consent_source"] = data.consent_source
    context: dict[str, object] = {"library": {"name": SYSTEM_SOURCE}}
    if store_code:
        context["store_id"] = store_code
    if clerk:
        context["staff_id"] = clerk
    append_system_event(db=db, hooks=hooks, kind="identify", event=None,
                        message_id=f"enrol-{uuid.uuid4().hex}", channel=channel,
                        store_code=store_code, properties=None, traits=traits,
                        context=context, now=now)


def append_system_event(*, db: Connection, hooks: Sequence[EventHook], kind: str,
                        event: str | None, message_id: str, channel: str,
                        store_code: str | None, properties: dict[str, Any] | None,
                        traits: dict[str, Any] | None, context: dict[str, Any],
                        now: datetime | None = None) -> None:
    """A fact datong itself records (an enrolment, a till order a clerk keyed in) into the
    event log, through the ingest hooks, in the caller's transaction."""
    now = now or utcnow()
    row = {"source_id": system_source_id(db), "message_id": message_id, "type": kind,
           "event": event, "user_id": None, "anonymous_id": None, "channel": channel,
           "store_code": store_code, "timestamp": now, "original_timestamp": now,
           "sent_at": None, "received_at": now, "properties": properties, "traits": traits,
           "context": context, "extra": None}
    log.append(db=db, rows=[row], hooks=hooks)


def _insert(db: Connection, person: int, phone: str, data: Enrolment, channel: str,
            store_id: int | None, clerk: str | None, program: Program, now: datetime) -> int:
    entry = program.tiers[0].code
    try:
        with db.begin_nested():
            result = db.execute(members.insert().values(
                member_no=f"new-{uuid.uuid4().hex[:12]}", person_id=person, phone=phone,
                name=data.name.strip()[:100], status="active", tier=entry, tier_since=now,
                enrolled_at=now, channel=channel, store_id=store_id, clerk_id=clerk,
                referral_code=(data.referral_code or None) and data.referral_code[:100],
                balance=0, pending=0, debt=0, held=0))
    except IntegrityError:  # the same phone enrolled at the same moment elsewhere
        raise Conflict(f"the phone {phone} is already a member (enrolled just now)",
                       code="already_a_member", field="phone") from None
    assert result.inserted_primary_key is not None
    member_id = int(result.inserted_primary_key[0])
    db.execute(members.update().where(members.c.id == member_id)
               .values(member_no=member_no_for(member_id)))
    return member_id


__all__ = ["Enrolment", "append_system_event", "check_clerk", "enrol", "member_no_for",
           "system_source_id"]
