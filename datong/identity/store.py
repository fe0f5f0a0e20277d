"""Reading and writing the identity tables in bulk for the resolver."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, tuple_, update

from datong.identity.extract import Ident
from datong.identity.tables import edges, identifiers, observations, persons
from datong.store.types import utcnow

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_identifiers(db: Connection, idents: set[Ident]) -> dict[Ident, Any]:
    """Rows (id, type, value, person_id, last_key) for every identifier, created if new."""
    found = _find(db, idents)
    missing = [i for i in idents if i not in found]
    if missing:
        now = utcnow()
        db.execute(identifiers.insert(), [
            {"type": i.type, "value": i.value, "first_seen_at": now} for i in sorted(missing)])
        found.update(_find(db, set(missing)))
    return found


def _find(db: Connection, idents: set[Ident]) -> dict[Ident, Any]:
    found: dict[Ident, Any] = {}
    for part in chunks(sorted(idents)):
        query = select(identifiers).where(
            tuple_(identifiers.c.type, identifiers.c.value).in_([(i.type, i.value) for i in part]))
        for row in db.execute(query):
            found[Ident(row.type, row.value)] = row
    return found


def members_of(db: Connection, person_ids: set[int]) -> dict[int, dict[int, Ident]]:
    """person id → {identifier id: Ident} for the given persons."""
    out: dict[int, dict[int, Ident]] = {p: {} for p in person_ids}
    for part in chunks(sorted(person_ids)):
        rows = db.execute(select(identifiers.c.id, identifiers.c.type, identifiers.c.value,
                                 identifiers.c.person_id)
                          .where(identifiers.c.person_id.in_(part)))
        for row in rows:
            out[row.person_id][row.id] = Ident(row.type, row.value)
    return out


def person_keys(db: Connection, person_ids: set[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    for part in chunks(sorted(person_ids)):
        for row in db.execute(select(persons.c.id, persons.c.last_key)
                              .where(persons.c.id.in_(part))):
            out[row.id] = row.last_key
    return out


def forbidden_pairs(db: Connection, ident_ids: set[int]) -> set[frozenset[int]]:
    """Identifier pairs an admin separated (edges revoked by an unmerge)."""
    pairs: set[frozenset[int]] = set()
    for part in chunks(sorted(ident_ids)):
        rows = db.execute(select(edges.c.a_id, edges.c.b_id).where(
            edges.c.revoked_reason == "unmerge",
            or_(edges.c.a_id.in_(part), edges.c.b_id.in_(part))))
        pairs |= {frozenset((r.a_id, r.b_id)) for r in rows}
    return pairs


def create_persons(db: Connection, count: int) -> list[int]:
    now = utcnow()
    ids = []
    for _ in range(count):
        result = db.execute(persons.insert().values(created_at=now))
        assert result.inserted_primary_key is not None
        ids.append(int(result.inserted_primary_key[0]))
    return ids


def set_person(db: Connection, assignment: dict[int, int]) -> None:
    """identifier id → person id, in bulk."""
    if not assignment:
        return
    stmt = (update(identifiers).where(identifiers.c.id == bindparam("ident"))
            .values(person_id=bindparam("person")))
    db.execute(stmt, [{"ident": i, "person": p} for i, p in assignment.items()])


def set_last_keys(db: Connection, table: Any, keys: dict[int, str]) -> None:
    if not keys:
        return
    newer = or_(table.c.last_key.is_(None), table.c.last_key < bindparam("key"))
    stmt = (update(table).where(table.c.id == bindparam("row_id"), newer)
            .values(last_key=bindparam("key")))
    db.execute(stmt, [{"row_id": i, "key": k} for i, k in keys.items()])


def mark_merged(db: Connection, absorbed: dict[int, int]) -> None:
    if not absorbed:
        return
    now = utcnow()
    stmt = (update(persons).where(persons.c.id == bindparam("absorbed"))
            .values(merged_into=bindparam("into"), merged_at=now))
    db.execute(stmt, [{"absorbed": a, "into": t} for a, t in absorbed.items()])
    # Whoever pointed at an absorbed person now points at its survivor.
    for old, new in absorbed.items():
        db.execute(update(persons).where(persons.c.merged_into == old).values(merged_into=new))


def insert_observations(db: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.execute(observations.insert(), rows)
