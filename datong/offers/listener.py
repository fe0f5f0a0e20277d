"""Coupons, referrals and bookings follow persons through merges and splits (#3).

A merge moves the absorbed persons' rows to the survivor. A split sends each row to the
person its anchor identifier belongs to now. The per-person claim counts are then rebuilt
from the coupons themselves, and a pending referral whose two sides became one person is
refused.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Table, delete, func, select, update

from datong.identity.changes import PersonChange
from datong.offers.people import owners_of_anchors
from datong.offers.tables import (
    coupon_claims,
    coupons,
    referral_codes,
    referrals,
    reservations,
)
from datong.store.types import utcnow

# (table, person column, anchor column)
OWNED: tuple[tuple[Table, str, str], ...] = (
    (coupons, "person_id", "anchor_identifier_id"),
    (referral_codes, "person_id", "anchor_identifier_id"),
    (reservations, "person_id", "anchor_identifier_id"),
    (referrals, "inviter_person_id", "inviter_anchor_id"),
    (referrals, "invitee_person_id", "invitee_anchor_id"),
)


class OffersListener:
    """The person listener (datong.identity.changes.PersonListener) of offers."""

    def __call__(self, db: Connection, change: PersonChange) -> None:
        persons = {change.person, *change.others}
        if change.kind == "merged":
            for table, person, _ in OWNED:
                column: Column[int] = table.c[person]
                db.execute(update(table).where(column.in_(sorted(change.others)))
                           .values({person: change.person}))
        elif change.kind == "split":
            for table, person, anchor in OWNED:
                _follow_anchors(db, table, table.c[person], table.c[anchor], persons)
        _recount_claims(db, persons)
        _refuse_self_referrals(db, persons)


def _follow_anchors(db: Connection, table: Table, person: Column[int], anchor: Column[int],
                    persons: set[int]) -> None:
    rows = db.execute(select(table.c.id, person, anchor).where(
        person.in_(sorted(persons)), anchor.is_not(None))).all()
    owners = owners_of_anchors(db, (r[2] for r in rows))
    for row_id, now_with, anchor_id in rows:
        owner = owners.get(anchor_id)
        if owner is not None and owner != now_with:
            db.execute(update(table).where(table.c.id == row_id).values({person.name: owner}))


def _recount_claims(db: Connection, persons: set[int]) -> None:
    ids = sorted(persons)
    db.execute(delete(coupon_claims).where(coupon_claims.c.person_id.in_(ids)))
    counts = db.execute(select(coupons.c.template_id, coupons.c.person_id, func.count())
                        .where(coupons.c.person_id.in_(ids))
                        .group_by(coupons.c.template_id, coupons.c.person_id)).all()
    if counts:
        db.execute(coupon_claims.insert(), [
            {"template_id": t, "person_id": p, "claimed": n} for t, p, n in counts])


def _refuse_self_referrals(db: Connection, persons: set[int]) -> None:
    db.execute(update(referrals).where(
        referrals.c.status == "pending", referrals.c.inviter_person_id.in_(sorted(persons)),
        referrals.c.inviter_person_id == referrals.c.invitee_person_id)
        .values(status="refused", reason="inviter and invitee turned out to be one person",
                decided_at=utcnow()))
