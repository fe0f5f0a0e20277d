"""Persons as offers see them: named by id or identifier, anchored to an identifier so
their coupons, referrals and bookings follow them through merges and splits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, select

from datong.bounds import is_ascii_digits, parse_id
from datong.errors import Invalid, NotFound
from datong.identity.rules import Rules
from datong.identity.service import current_person, parse_identifier
from datong.identity.tables import identifiers, observations

_IDENTIFIER = select(identifiers.c.id, identifiers.c.person_id).where(
    identifiers.c.type == bindparam("type"), identifiers.c.value == bindparam("value"))
_HELD = select(identifiers.c.id, identifiers.c.type).where(
    identifiers.c.person_id == bindparam("person"))


def resolve(*, db: Connection, rules: Rules, person: str | int) -> tuple[int, int | None]:
    """(person id now, anchor identifier id) for `123` or `phone:138 1234 5678`."""
    text = str(person).strip()
    if is_ascii_digits(text):
        person_id = parse_id(text)
        if person_id is None:
            raise NotFound(f"no person {text}", field="person_id")
        found = current_person(db=db, person_id=person_id)
        return found, anchor_of(db=db, rules=rules, person_id=found)
    if ":" not in text:
        raise Invalid("a person is a person id or an identifier type:value, e.g. "
                      "phone:+8613812345678", field="person")
    ident = parse_identifier(text, rules)
    row = db.execute(_IDENTIFIER, {"type": ident.type, "value": ident.value}).first()
    if row is None or row.person_id is None:
        raise NotFound(f"no person is known by {ident.type}:{ident.value}", field="person")
    return current_person(db=db, person_id=int(row.person_id)), int(row.id)


def anchor_of(*, db: Connection, rules: Rules, person_id: int) -> int | None:
    """The person's strongest identifier (by rule priority, then the oldest)."""
    rows = db.execute(_HELD, {"person": person_id}).all()
    known = [r for r in rows if r.type in rules.by_type]
    if not known:
        return None
    return int(min(known, key=lambda r: (rules.priority(r.type), r.id)).id)


def owners_of_anchors(db: Connection, anchor_ids: Iterable[int]) -> dict[int, int]:
    """anchor identifier id → the person it belongs to now."""
    ids = sorted(set(anchor_ids))
    if not ids:
        return {}
    rows = db.execute(select(identifiers.c.id, identifiers.c.person_id)
                      .where(identifiers.c.id.in_(ids), identifiers.c.person_id.is_not(None)))
    return {int(r.id): int(r.person_id) for r in rows}


def seen_identifiers(db: Connection, person_id: int, types: Iterable[str]) -> set[int]:
    """Identifiers of these types the person holds, or that appeared on the person's events
    without being linked (a shared device or phone the rules kept apart). Blocked values
    (a store's shared tablet, junk) do not count."""
    kinds = sorted(set(types))
    own = select(identifiers.c.id).where(identifiers.c.person_id == person_id,
                                         identifiers.c.type.in_(kinds))
    linked_events = (select(observations.c.event_id)
                     .join(identifiers, identifiers.c.id == observations.c.identifier_id)
                     .where(identifiers.c.person_id == person_id,
                            observations.c.status == "linked"))
    on_events = (select(observations.c.identifier_id)
                 .join(identifiers, identifiers.c.id == observations.c.identifier_id)
                 .where(observations.c.event_id.in_(linked_events),
                        observations.c.status.in_(("linked", "dropped")),
                        identifiers.c.type.in_(kinds)))
    return {int(i) for i in db.execute(own.union(on_events)).scalars()}


def shared_types(db: Connection, a: int, b: int, types: Iterable[str]) -> list[str]:
    """The identifier types persons a and b both used (empty when none)."""
    kinds = list(types)
    common = seen_identifiers(db, a, kinds) & seen_identifiers(db, b, kinds)
    if not common:
        return []
    rows = db.execute(select(identifiers.c.type).where(identifiers.c.id.in_(sorted(common))))
    return sorted({str(t) for t in rows.scalars()})
