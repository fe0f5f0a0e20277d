"""Reservations (预约到店): in-store experiences with time slots and a capacity; booked
online or at the counter, cancelled, checked in by a clerk of that store with the booking
code, no-shows marked once the slot is over; optionally a coupon on check-in.

No overbooking: a booking is one conditional update of the slot (`booked = booked + seats
WHERE booked + seats <= capacity`), atomic under concurrency on PostgreSQL (row lock,
re-checked after the wait) and on SQLite (one writer at a time).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from datong.auth.roles import Role
from datong.auth.tokens import Principal
from datong.errors import Conflict, DatongError, Forbidden, Invalid, NotFound
from datong.identity.service import current_person
from datong.offers import codes
from datong.offers.access import MANAGERS, actor, require_channel_actor, require_store
from datong.offers.context import OffersContext
from datong.offers.issuing import Issue, issue
from datong.offers.people import resolve
from datong.offers.places import store_code, store_id
from datong.offers.tables import experiences, reservation_slots, reservations
from datong.offers.templates import _template_row
from datong.store.types import utcnow

logger = logging.getLogger(__name__)
CODE_RANDOM = 9
CODE_LENGTH = CODE_RANDOM + 1


def _may_manage(principal: Principal, store: int) -> None:
    if principal.role in MANAGERS:
        return
    if principal.role == Role.store_manager and principal.store_id == store:
        return
    raise Forbidden("experiences are set up by an admin, a marketer or the store's manager")


def create_experience(*, db: Connection, principal: Principal, store: str, name: str,
                      description: str = "", coupon_template_id: int | None = None
                      ) -> dict[str, Any]:
    where = store_id(db, store)
    assert where is not None
    _may_manage(principal, where)
    if not name.strip():
        raise Invalid("an experience needs a name", field="name")
    if coupon_template_id is not None:
        _template_row(db, coupon_template_id)
    result = db.execute(experiences.insert().values(
        store_id=where, name=name.strip(), description=description,
        coupon_template_id=coupon_template_id, created_at=utcnow()))
    assert result.inserted_primary_key is not None
    return get_experience(db=db, experience_id=int(result.inserted_primary_key[0]))


def _experience(db: Connection, experience_id: int) -> Any:
    row = db.execute(select(experiences).where(experiences.c.id == experience_id)).first()
    if row is None:
        raise NotFound(f"no experience {experience_id}", field="experience_id")
    return row


def get_experience(*, db: Connection, experience_id: int) -> dict[str, Any]:
    row = _experience(db, experience_id)
    return {"id": row.id, "store": store_code(db, row.store_id), "name": row.name,
            "description": row.description, "coupon_template_id": row.coupon_template_id}


def list_experiences(*, db: Connection, store: str | None = None) -> list[dict[str, Any]]:
    query = select(experiences.c.id).order_by(experiences.c.id)
    if store is not None:
        query = query.where(experiences.c.store_id == store_id(db, store))
    return [get_experience(db=db, experience_id=i) for i in db.execute(query).scalars()]


def add_slots(*, db: Connection, principal: Principal, experience_id: int,
              slots: list[tuple[datetime, datetime, int]]) -> list[dict[str, Any]]:
    """Open time slots (start, end, capacity) for an experience."""
    exp = _experience(db, experience_id)
    _may_manage(principal, exp.store_id)
    made = []
    for i, (start, end, capacity) in enumerate(slots):
        if start.tzinfo is None or end.tzinfo is None:
            raise Invalid("slot times need a time zone offset", field=f"slots.{i}")
        if end <= start or capacity < 1:
            raise Invalid("a slot ends after it starts and holds at least one person",
                          field=f"slots.{i}")
        result = db.execute(reservation_slots.insert().values(
            experience_id=exp.id, store_id=exp.store_id, starts_at=start, ends_at=end,
            capacity=capacity, booked=0))
        assert result.inserted_primary_key is not None
        made.append(_slot_view(db, _slot(db, int(result.inserted_primary_key[0]))))
    return made


def _slot(db: Connection, slot_id: int) -> Any:
    row = db.execute(select(reservation_slots).where(reservation_slots.c.id == slot_id)).first()
    if row is None:
        raise NotFound(f"no slot {slot_id}", field="slot_id")
    return row


def _slot_view(db: Connection, row: Any) -> dict[str, Any]:
    return {"id": row.id, "experience_id": row.experience_id,
            "store": store_code(db, row.store_id), "starts_at": row.starts_at,
            "ends_at": row.ends_at, "capacity": row.capacity, "booked": row.booked,
            "available": row.capacity - row.booked}


def list_slots(*, db: Connection, experience_id: int | None = None, store: str | None = None,
               after: datetime | None = None) -> list[dict[str, Any]]:
    """Slots that have not started yet (or after `after`), soonest first."""
    query = select(reservation_slots).where(reservation_slots.c.starts_at > (after or utcnow()))
    if experience_id is not None:
        query = query.where(reservation_slots.c.experience_id == experience_id)
    if store is not None:
        query = query.where(reservation_slots.c.store_id == store_id(db, store))
    rows = db.execute(query.order_by(reservation_slots.c.starts_at, reservation_slots.c.id))
    return [_slot_view(db, r) for r in rows]


def book(*, db: Connection, ctx: OffersContext, principal: Principal, slot_id: int,
         person: str, seats: int = 1, channel: str = "online", store: str | None = None,
         now: datetime | None = None) -> dict[str, Any]:
    """Book seats in a slot: online (the app's backend) or at the store's counter."""
    slot = _slot(db, slot_id)
    if channel == "offline":
        store = store or store_code(db, slot.store_id)
        if store_id(db, store) != slot.store_id:
            raise Conflict("this slot is at another store", code="wrong_store")
    require_channel_actor(principal, channel, slot.store_id if channel == "offline" else None,
                          "booking")
    if not 1 <= seats <= 20:
        raise Invalid("seats must be between 1 and 20", field="seats")
    person_id, anchor = resolve(db=db, rules=ctx.rules, person=person)
    now = now or utcnow()
    if slot.starts_at <= now:
        raise Conflict("this slot has already started", code="slot_started")
    taken = db.execute(update(reservation_slots).where(
        reservation_slots.c.id == slot_id,
        reservation_slots.c.booked + seats <= reservation_slots.c.capacity)
        .values(booked=reservation_slots.c.booked + seats))
    if taken.rowcount != 1:
        left = slot.capacity - _slot(db, slot_id).booked
        raise Conflict(f"this slot is full ({max(left, 0)} seats left)", code="slot_full",
                       params={"left": max(left, 0)})
    # The slot row is locked now: a second booking by the same person waits and sees ours.
    if db.execute(select(reservations.c.id).where(
            reservations.c.slot_id == slot_id, reservations.c.person_id == person_id,
            reservations.c.status == "booked")).first() is not None:
        raise Conflict("this person has already booked this slot", code="already_booked")
    result = db.execute(reservations.insert().values(
        code=codes.new_code(CODE_RANDOM), slot_id=slot_id, experience_id=slot.experience_id,
        store_id=slot.store_id, person_id=person_id, anchor_identifier_id=anchor, seats=seats,
        status="booked", channel=channel, created_at=now))
    assert result.inserted_primary_key is not None
    row = _reservation(db, reservation_id=int(result.inserted_primary_key[0]))
    _emit(db, ctx, "Reservation Booked", row, channel, actor(principal), slot)
    return reservation_view(db, ctx, row)


def _emit(db: Connection, ctx: OffersContext, name: str, row: Any, channel: str, who: str,
          slot: Any) -> None:
    ctx.outbox.emit(db, name, person_id=row.person_id, channel=channel, store_id=row.store_id,
                    actor=who, properties={
                        "reservation_id": row.id, "experience_id": row.experience_id,
                        "slot_id": row.slot_id, "seats": row.seats,
                        "starts_at": slot.starts_at.isoformat(),
                        "code": codes.mask(row.code)})


def _reservation(db: Connection, *, reservation_id: int | None = None,
                 code: str | None = None) -> Any:
    query = select(reservations)
    query = (query.where(reservations.c.id == reservation_id) if reservation_id is not None
             else query.where(reservations.c.code == code))
    row = db.execute(query).first()
    if row is None:
        raise NotFound("no such booking", field="code" if code else "reservation_id",
                       code="unknown_booking")
    return row


def reservation_view(db: Connection, ctx: OffersContext, row: Any) -> dict[str, Any]:
    slot = _slot(db, row.slot_id)
    return {"id": row.id, "code": row.code, "qr": codes.qr_payload(ctx.secret_key, row.code),
            "status": row.status, "person_id": row.person_id, "seats": row.seats,
            "experience": _experience(db, row.experience_id).name,
            "experience_id": row.experience_id, "slot_id": row.slot_id,
            "store": store_code(db, row.store_id), "starts_at": slot.starts_at,
            "ends_at": slot.ends_at, "channel": row.channel, "created_at": row.created_at,
            "checked_in_at": row.checked_in_at, "coupon_id": row.coupon_id}


def cancel(*, db: Connection, ctx: OffersContext, principal: Principal, reservation_id: int,
           channel: str = "online") -> dict[str, Any]:
    """Cancel a booking before its slot starts; the seats go back to the slot."""
    row = _reservation(db, reservation_id=reservation_id)
    require_channel_actor(principal, channel, row.store_id if channel == "offline" else None,
                          "cancelling a booking")
    slot = _slot(db, row.slot_id)
    if slot.starts_at <= utcnow():
        raise Conflict("this slot has already started; it can no longer be cancelled",
                       code="slot_started")
    moved = db.execute(update(reservations).where(reservations.c.id == row.id,
                                                  reservations.c.status == "booked")
                       .values(status="cancelled", cancelled_at=utcnow()))
    if moved.rowcount != 1:
        raise Conflict(f"this booking is {row.status}, not booked", code="not_booked",
                       params={"status": str(row.status)})
    db.execute(update(reservation_slots).where(reservation_slots.c.id == slot.id)
               .values(booked=reservation_slots.c.booked - row.seats))
    row = _reservation(db, reservation_id=row.id)
    _emit(db, ctx, "Reservation Cancelled", row, channel, actor(principal), slot)
    return reservation_view(db, ctx, row)


def check_in(*, db: Connection, ctx: OffersContext, principal: Principal, store: str,
             code: str | None = None, qr: str | None = None, now: datetime | None = None
             ) -> dict[str, Any]:
    """A clerk of the booking's store scans or types the booking code."""
    where = store_id(db, store)
    assert where is not None
    require_store(principal, where, "checking a booking in")
    if (code is None) == (qr is None):
        raise Invalid("give exactly one of code or qr", field="code")
    text = (codes.verify_qr(ctx.secret_key, qr, length=CODE_LENGTH) if qr is not None
            else codes.normalise(code or "", length=CODE_LENGTH, what="booking code"))
    row = _reservation(db, code=text)
    if row.store_id != where:
        booked_at = store_code(db, row.store_id)
        raise Conflict(f"this booking is for store {booked_at}", code="wrong_store",
                       params={"store": booked_at or ""})
    slot = _slot(db, row.slot_id)
    now = now or utcnow()
    early = timedelta(minutes=ctx.settings.reservation_checkin_early_minutes)
    if now < slot.starts_at - early:
        opens = slot.starts_at - early
        raise Conflict(f"check-in opens {early.seconds // 60} minutes before the slot, at "
                       f"{opens:%Y-%m-%d %H:%M} UTC", code="too_early",
                       params={"minutes": early.seconds // 60, "opens_at": opens.isoformat()})
    if now >= slot.ends_at and row.status == "booked":
        raise Conflict("this slot is over", code="slot_over")
    moved = db.execute(update(reservations).where(reservations.c.id == row.id,
                                                  reservations.c.status == "booked")
                       .values(status="checked_in", checked_in_at=now,
                               checked_in_by=actor(principal)))
    if moved.rowcount != 1:
        raise Conflict(f"this booking is {row.status.replace('_', ' ')}", code="not_booked",
                       params={"status": str(row.status)})
    coupon_id = _checkin_coupon(db, ctx, row, where, actor(principal), now)
    if coupon_id is not None:
        db.execute(update(reservations).where(reservations.c.id == row.id)
                   .values(coupon_id=coupon_id))
    row = _reservation(db, reservation_id=row.id)
    _emit(db, ctx, "Reservation Checked In", row, "offline", actor(principal), slot)
    return reservation_view(db, ctx, row)


def _checkin_coupon(db: Connection, ctx: OffersContext, row: Any, where: int,
                    who: str, now: datetime) -> int | None:
    template = _experience(db, row.experience_id).coupon_template_id
    if template is None:
        return None
    try:
        with db.begin_nested():
            coupon, _ = issue(db, ctx, Issue(template, row.person_id, row.anchor_identifier_id,
                                             "reservation", "offline", where, who,
                                             f"reservation:{row.id}"), now=now)
    except DatongError as exc:  # out of stock, say: the check-in still stands
        logger.warning("booking %s: no check-in coupon: %s", row.id, exc.message)
        return None
    return int(coupon.id)


def mark_no_shows(*, db: Connection, now: datetime | None = None) -> int:
    """Bookings still `booked` after their slot ended become `no_show`; answers how many."""
    now = now or utcnow()
    ended = select(reservation_slots.c.id).where(reservation_slots.c.ends_at <= now)
    done = db.execute(update(reservations).where(reservations.c.status == "booked",
                                                 reservations.c.slot_id.in_(ended))
                      .values(status="no_show", no_show_at=now))
    return int(done.rowcount)


def person_reservations(*, db: Connection, ctx: OffersContext, person_id: int
                        ) -> list[dict[str, Any]]:
    person = current_person(db=db, person_id=person_id)
    rows = db.execute(select(reservations).where(reservations.c.person_id == person)
                      .order_by(reservations.c.id.desc()))
    return [reservation_view(db, ctx, r) for r in rows]
