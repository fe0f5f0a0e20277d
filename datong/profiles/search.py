"""Finding customers the way staff ask for them: a phone, a member number, an e-mail, a name
(or part of one), or a person id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Text, cast, select

from datong.bounds import parse_id
from datong.errors import Invalid
from datong.identity import service as identity
from datong.identity.rules import Rules
from datong.identity.tables import identifiers, persons
from datong.profiles.tables import stats, traits

NAME_KEYS = ("name", "full_name", "fullName")
MAX_RESULTS = 50
# Exact identifier types tried for a free-text query, in this order.
EXACT_TYPES = ("member_id", "user_id", "card_number")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _exact(db: Connection, rules: Rules, text: str) -> list[int]:
    found: list[int] = []
    if "@" in text and "email" in rules.by_type:
        candidates = ["email"]
    else:
        digits = text.replace(" ", "").replace("-", "")
        candidates = ["phone"] if digits.lstrip("+").isdigit() and len(digits) >= 7 else []
        candidates += [t for t in EXACT_TYPES if t in rules.by_type]
    for type_ in candidates:
        if rules.normalise(type_, text) is None:
            continue
        person = identity.find_person(db=db, rules=rules, type=type_, raw=text)
        if person is not None and person not in found:
            found.append(person)
    return found


def _by_name(db: Connection, text: str, limit: int) -> list[int]:
    rows = db.execute(select(traits.c.person_id).where(
        traits.c.key.in_(NAME_KEYS), cast(traits.c.value, Text).like(_like(text), escape="\\"))
        .order_by(traits.c.person_id).limit(limit)).all()
    out: list[int] = []
    for (person,) in rows:
        current = identity.current_person(db=db, person_id=person)
        if current not in out:
            out.append(current)
    return out


def search_persons(*, db: Connection, rules: Rules, query: str,
                   limit: int = 20) -> list[dict[str, Any]]:
    """Matching persons with their name, phone, member number and last seen time; exact
    identifier matches first, then names containing the text."""
    text = query.strip()
    if not text:
        return []
    if len(text) > 200:
        raise Invalid("a search has at most 200 characters", field="q")
    limit = max(1, min(limit, MAX_RESULTS))
    number = parse_id(text) if len(text) < 7 else None
    found = [number] if number is not None else []
    found = [identity.current_person(db=db, person_id=p) for p in found
             if _person_exists(db, p)]
    for person in _exact(db, rules, text) + _by_name(db, text, limit):
        if person not in found:
            found.append(person)
    return summaries(db=db, person_ids=found[:limit])


def _person_exists(db: Connection, person_id: int) -> bool:
    return db.execute(select(persons.c.id).where(persons.c.id == person_id)).first() is not None


def summaries(*, db: Connection, person_ids: list[int]) -> list[dict[str, Any]]:
    """Name, phones, member numbers and last seen of each person, in the order given."""
    if not person_ids:
        return []
    out: dict[int, dict[str, Any]] = {p: {"person_id": p, "name": None, "phone": [],
                                          "member_id": [], "email": [], "last_seen_at": None}
                                      for p in person_ids}
    for row in db.execute(select(traits.c.person_id, traits.c.key, traits.c.value).where(
            traits.c.person_id.in_(person_ids), traits.c.key.in_(NAME_KEYS))):
        out[row.person_id]["name"] = out[row.person_id]["name"] or row.value
    for row in db.execute(select(identifiers.c.person_id, identifiers.c.type,
                                 identifiers.c.value).where(
            identifiers.c.person_id.in_(person_ids),
            identifiers.c.type.in_(("phone", "member_id", "email")))
            .order_by(identifiers.c.id)):
        out[row.person_id][row.type].append(row.value)
    for seen in db.execute(select(stats.c.person_id, stats.c.last_seen_at)
                           .where(stats.c.person_id.in_(person_ids))):
        out[seen.person_id]["last_seen_at"] = seen.last_seen_at
    return [out[p] for p in person_ids]


COUNTER_TYPES = ("phone", "member_id", "card_number")


def lookup_at_counter(*, db: Connection, rules: Rules, text: str) -> int | None:
    """The person a clerk means by a phone number or a member/card number (never a name:
    the counter does not browse customers)."""
    text = text.strip()
    if not text:
        raise Invalid("type a phone number or a member number", field="q")
    for type_ in COUNTER_TYPES:
        if type_ in rules.by_type and rules.normalise(type_, text) is not None:
            person = identity.find_person(db=db, rules=rules, type=type_, raw=text)
            if person is not None:
                return person
    return None
