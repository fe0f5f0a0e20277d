"""Looking persons up, merging by hand and unmerging: the identity graph's public face."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, or_, select, update

from datong.errors import Conflict, Invalid, NotFound
from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.extract import Ident
from datong.identity.graph import Graph
from datong.identity.rules import Rules
from datong.identity.tables import edges, identifiers, merge_involved, merges
from datong.store.raw import RawStatement
from datong.store.types import utcnow


def parse_identifier(text: str, rules: Rules) -> Ident:
    """`phone:138 1234 5678` → Ident("phone", "+8613812345678")."""
    type_, sep, raw = text.partition(":")
    if not sep or not raw.strip():
        raise Invalid("an identifier looks like type:value, e.g. phone:+8613812345678",
                      field="identifier")
    if type_ not in rules.by_type:
        raise Invalid(f"unknown identifier type {type_!r}; known: {', '.join(rules.by_type)}",
                      field="identifier")
    value = rules.normalise(type_, raw)
    if value is None:
        raise Invalid(f"{raw!r} is not a usable {type_}", field="identifier")
    return Ident(type_, value)


def find_person(*, db: Connection, rules: Rules, type: str, raw: str) -> int | None:
    """The person an identifier belongs to now (None when unknown or never linked)."""
    ident = parse_identifier(f"{type}:{raw}", rules)
    if ident.type in rules.scoped_types and ":" not in ident.value:
        return None
    found = _OWNER.one(db, {"type": ident.type, "value": ident.value})
    if found is None or found[0] is None:
        return None
    return current_person(db=db, person_id=int(found[0]))


# Single-person reads run on the driver's cursor (datong.store.raw): a counter lookup makes
# several of them, and SQLAlchemy's work around each costs more than the statement.
_OWNER = RawStatement("SELECT person_id FROM identifiers WHERE type = :type AND value = :value")
_PERSON = RawStatement("SELECT id, merged_into FROM persons WHERE id = :id")
_IDENTIFIERS = RawStatement(
    "SELECT id, type, value, first_seen_at FROM identifiers WHERE person_id = :person "
    "ORDER BY type, value", result_times=(3,))


def current_person(*, db: Connection, person_id: int) -> int:
    """Follow `merged_into` to the surviving person."""
    row = _PERSON.one(db, {"id": person_id})
    if row is None:
        raise NotFound(f"no person {person_id}", field="person_id")
    return int(row[1]) if row[1] is not None else int(row[0])


def person_identifiers(*, db: Connection, person_id: int) -> list[dict[str, Any]]:
    return [{"id": r[0], "type": r[1], "value": r[2], "first_seen_at": r[3]}
            for r in _IDENTIFIERS.all(db, {"person": person_id})]


def merge_history(*, db: Connection, person_id: int) -> list[dict[str, Any]]:
    """Merges and splits that involved the person, newest first."""
    involved = select(merge_involved.c.merge_id).where(merge_involved.c.person_id == person_id)
    rows = db.execute(select(merges).where(merges.c.id.in_(involved))
                      .order_by(merges.c.id.desc())).mappings()
    return [dict(r) for r in rows]


def live_edges(*, db: Connection, person_id: int) -> list[dict[str, Any]]:
    members = select(identifiers.c.id).where(identifiers.c.person_id == person_id)
    rows = db.execute(select(edges).where(
        edges.c.revoked_at.is_(None), or_(edges.c.a_id.in_(members), edges.c.b_id.in_(members))
    ).order_by(edges.c.id)).mappings()
    return [dict(r) for r in rows]


def unmerge(
    *, db: Connection, person_id: int, edge_id: int | None = None,
    identifier: str | None = None, rules: Rules, actor: str,
    listeners: Sequence[PersonListener] = (),
) -> dict[str, Any]:
    """Revoke one edge, or detach one identifier, and split the person where it falls apart.

    The revoked links are remembered: later messages will not join those identifiers again.
    """
    person = current_person(db=db, person_id=person_id)
    if (edge_id is None) == (identifier is None):
        raise Invalid("give exactly one of edge_id or identifier", field="edge_id")
    live = live_edges(db=db, person_id=person)
    if edge_id is not None:
        cut = [e for e in live if e["id"] == edge_id]
        if not cut:
            raise NotFound(f"person {person} has no live edge {edge_id}", field="edge_id")
    else:
        ident = parse_identifier(identifier or "", rules)
        target = db.execute(select(identifiers.c.id).where(
            identifiers.c.type == ident.type, identifiers.c.value == ident.value,
            identifiers.c.person_id == person)).scalar()
        if target is None:
            raise NotFound(f"person {person} has no identifier {ident.type}:{ident.value}",
                           field="identifier")
        cut = [e for e in live if target in (e["a_id"], e["b_id"])]
    now = utcnow()
    db.execute(update(edges).where(edges.c.id.in_([e["id"] for e in cut]))
               .values(revoked_at=now, revoked_reason="unmerge", revoked_by=actor))
    parts = _components(db, person, [e for e in live if e not in cut])
    return _split(db, person, parts, actor, listeners, edge_id=cut[0]["id"] if cut else None)


def _components(db: Connection, person: int, kept: list[dict[str, Any]]) -> list[set[int]]:
    members = {m["id"] for m in person_identifiers(db=db, person_id=person)}
    parent = {m: m for m in members}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for edge in kept:
        if edge["a_id"] in parent and edge["b_id"] in parent:
            parent[find(edge["a_id"])] = find(edge["b_id"])
    groups: dict[int, set[int]] = {}
    for m in members:
        groups.setdefault(find(m), set()).add(m)
    # The biggest part keeps the person id (ties: the one with the oldest identifier).
    return sorted(groups.values(), key=lambda g: (-len(g), min(g)))


def _split(db: Connection, person: int, parts: list[set[int]], actor: str,
           listeners: Sequence[PersonListener], edge_id: int | None = None) -> dict[str, Any]:
    if len(parts) <= 1:
        return {"person_id": person, "split": False, "persons": [person]}
    new_ids = store.create_persons(db, len(parts) - 1)
    store.set_person(db, {i: p for p, part in zip(new_ids, parts[1:], strict=True) for i in part})
    change = PersonChange("split", person, tuple(new_ids), actor=actor)
    store.log_change(db, kind="split", person=person, others=new_ids, edge_id=edge_id,
                     actor=actor)
    for listener in listeners:
        listener(db, change)
    return {"person_id": person, "split": True, "persons": [person, *new_ids]}


def merge_persons(
    *, db: Connection, person_a: int, person_b: int, rules: Rules, actor: str,
    rule: str = "manual", listeners: Sequence[PersonListener] = (),
) -> int:
    """Join two persons by hand (or from an accepted suggestion); the older id survives.
    Refused when the rules forbid it (e.g. two different member ids)."""
    a, b = current_person(db=db, person_id=person_a), current_person(db=db, person_id=person_b)
    if a == b:
        return a
    survivor, absorbed = min(a, b), max(a, b)
    both = store.members_of(db, {a, b})
    graph = Graph(rules, store.forbidden_pairs(db, {i for m in both.values() for i in m}))
    for person, members in both.items():
        graph.add_person(person, members)
    hubs = [min(graph.members[p], key=lambda i: (rules.priority(graph.ident[i].type), i))
            for p in (survivor, absorbed)]
    decision = graph.apply(hubs)
    if decision.dropped:
        raise Conflict(f"persons {a} and {b} cannot be merged: {decision.dropped[0][2]}",
                       field="person_id")
    added = db.execute(edges.insert().values(a_id=hubs[0], b_id=hubs[1], event_id=None,
                                             rule=rule, created_at=utcnow()))
    assert added.inserted_primary_key is not None
    moved = {i: survivor for i in graph.members[survivor]}
    store.set_person(db, moved)
    store.mark_merged(db, {absorbed: survivor})
    change = PersonChange("merged", survivor, (absorbed,), actor=actor)
    store.log_change(db, kind="merge", person=survivor, others=(absorbed,),
                     edge_id=int(added.inserted_primary_key[0]), actor=actor)
    for listener in listeners:
        listener(db, change)
    return survivor
