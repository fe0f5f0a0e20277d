"""Reading and writing the identity tables in bulk, through the driver: this runs inside
every ingest transaction, so it avoids SQLAlchemy's per-statement compilation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, or_, select, update

from datong.identity.extract import Ident
from datong.identity.tables import edges, identifiers, merge_involved, merges, observations, persons
from datong.store.database import bulk_insert, bulk_update, mark
from datong.store.types import utcnow

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(db: Connection, sql: str, values: Sequence[Any], first: tuple[Any, ...] = (),
               ) -> list[Any]:
    """`sql` ends with `IN`; run it for the values (after the `first` params) and answer
    plain tuples, through the driver's own cursor (the hot path reads thousands of rows per
    batch; SQLAlchemy's result rows would cost more than the query). PostgreSQL takes the
    values as one array (`= ANY`): one prepared statement, whatever their number."""
    m = mark(db)
    sql = sql.replace("?", m)
    raw = db.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        if db.dialect.name == "postgresql":
            column_sql = sql.removesuffix(" IN")
            cursor.execute(f"{column_sql} = ANY({m})", (*first, list(values)))
            return list(cursor.fetchall())
        out: list[Any] = []
        for part in chunks(list(values)):
            cursor.execute(f"{sql} ({', '.join([m] * len(part))})", (*first, *part))
            out += cursor.fetchall()
        return out
    finally:
        cursor.close()


def ensure_identifiers(db: Connection, idents: set[Ident]) -> dict[Ident, IdentRow]:
    """Rows (id, type, value, person_id, last_key) for every identifier, created if new."""
    found = _find(db, idents)
    missing = sorted(i for i in idents if i not in found)
    if missing:
        now = utcnow()
        bulk_insert(db, identifiers, ("type", "value", "first_seen_at"),
                    [(i.type, i.value, now) for i in missing])
        found.update(_find(db, set(missing)))
    return found


class IdentRow(NamedTuple):
    id: int
    type: str
    value: str
    person_id: int | None
    last_key: str | None


def _find(db: Connection, idents: set[Ident]) -> dict[Ident, IdentRow]:
    by_type: dict[str, list[str]] = {}
    for ident in idents:
        by_type.setdefault(ident.type, []).append(ident.value)
    found = {}
    for type_, values in sorted(by_type.items()):
        # type first: the (type, value) unique index answers it
        rows = _select_in(db, "SELECT id, type, value, person_id, last_key FROM identifiers "
                              "WHERE type = ? AND value IN", values, (type_,))
        found.update({Ident(r[1], r[2]): IdentRow(*r) for r in rows})
    return found


def members_of(db: Connection, person_ids: set[int]) -> dict[int, dict[int, Ident]]:
    """person id → {identifier id: Ident} for the given persons."""
    out: dict[int, dict[int, Ident]] = {p: {} for p in person_ids}
    rows = _select_in(db, "SELECT id, type, value, person_id FROM identifiers "
                          "WHERE person_id IN", sorted(person_ids))
    for id_, type_, value, person_id in rows:
        out[person_id][id_] = Ident(type_, value)
    return out


def person_keys(db: Connection, person_ids: set[int]) -> dict[int, str | None]:
    rows = _select_in(db, "SELECT id, last_key FROM persons WHERE id IN", sorted(person_ids))
    return dict(rows)


def forbidden_pairs(db: Connection, ident_ids: set[int]) -> set[frozenset[int]]:
    """Identifier pairs an admin separated (edges revoked by an unmerge)."""
    if not db.exec_driver_sql(
        "SELECT 1 FROM identity_edges WHERE revoked_reason = 'unmerge' LIMIT 1"
    ).first():
        return set()
    pairs: set[frozenset[int]] = set()
    for part in chunks(sorted(ident_ids)):
        rows = db.execute(select(edges.c.a_id, edges.c.b_id).where(
            edges.c.revoked_reason == "unmerge",
            or_(edges.c.a_id.in_(part), edges.c.b_id.in_(part))))
        pairs |= {frozenset((r.a_id, r.b_id)) for r in rows}
    return pairs


def create_persons(db: Connection, count: int) -> list[int]:
    if count == 0:
        return []
    now = utcnow()
    stmt = persons.insert().returning(persons.c.id, sort_by_parameter_order=True)
    return [int(r.id) for r in db.execute(stmt, [{"created_at": now}] * count)]


def set_person(db: Connection, assignment: dict[int, int]) -> None:
    """identifier id → person id, in bulk."""
    bulk_update(db, identifiers, "person_id", assignment)


def set_last_keys(db: Connection, table: Any, keys: dict[int, str]) -> None:
    bulk_update(db, table, "last_key", keys, only_if_greater=True)


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


def log_change(db: Connection, *, kind: str, person: int, others: Sequence[int],
               event_id: int | None = None, edge_id: int | None = None,
               actor: str | None = None, now: datetime | None = None) -> None:
    """One row of the merge log (`merge` or `split`), findable by any person it involves."""
    result = db.execute(merges.insert().values(
        kind=kind, person_id=person, other_person_ids=list(others), edge_id=edge_id,
        event_id=event_id, actor=actor, created_at=now or utcnow()))
    assert result.inserted_primary_key is not None
    merge_id = int(result.inserted_primary_key[0])
    db.execute(merge_involved.insert(), [{"merge_id": merge_id, "person_id": p}
                                        for p in sorted({person, *others})])


def insert_observations(db: Connection, rows: list[tuple[int, int, str]]) -> None:
    bulk_insert(db, observations, ("event_id", "identifier_id", "status"), rows)
