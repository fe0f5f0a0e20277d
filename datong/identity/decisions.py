"""What the resolver and its replay share: the unit of work (one event's identifiers in
canonical order) and the writing of decisions — observations, edges, conflicts, last keys,
the merge log and its listeners — and the hand-off of each event's person to later hooks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.extract import Found, Ident
from datong.identity.graph import Decision
from datong.identity.tables import conflicts, edges, identifiers, persons
from datong.ingest.tables import sources
from datong.store.database import bulk_insert
from datong.store.types import sqlite_time, utcnow


class Item(NamedTuple):
    key: str  # canonical order: event time, source, messageId
    event_id: int
    found: Found


def event_key(row: dict[str, Any]) -> str:
    """(event time, source, messageId) as one string that sorts in canonical order."""
    when: datetime = row["timestamp"]
    if when.year < 1000:  # strftime does not pad such years; keep the keys stored so far
        text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        stored = sqlite_time(when)  # the same UTC text, already made for the event log
        text = f"{stored[:10]}T{stored[11:]}"
    return f"{text}|{row['source_id']:08d}|{row['message_id']}"


def canonical(item: Item) -> tuple[str, int]:
    return item.key, item.event_id


def source_user_id_types(db: Connection) -> dict[int, str]:
    return {r.id: r.user_id_type for r in db.execute(select(sources.c.id, sources.c.user_id_type))}


def record(db: Connection, items: list[Item], decisions: list[tuple[Item, Decision]],
            rows: dict[Ident, Any], real: dict[int, int]) -> None:
    """Observations, edges, conflicts and last keys of the decided events."""
    now = utcnow()
    by_id = {row.id: ident for ident, row in rows.items()}
    obs: list[tuple[int, int, str]] = []
    new_edges: list[tuple[int, int, int, str, datetime]] = []
    found_conflicts: list[dict[str, Any]] = []
    ident_keys: dict[int, str] = {}
    person_keys: dict[int, str] = {}
    for item, decision in decisions:
        person = real.get(decision.person, decision.person)
        person_keys[person] = max(item.key, person_keys.get(person, ""))
        for ident_id in decision.linked:
            obs.append((item.event_id, ident_id, "linked"))
        for ident_id, code, reason, involved in decision.dropped:
            obs.append((item.event_id, ident_id, "dropped"))
            ident_keys[ident_id] = max(item.key, ident_keys.get(ident_id, ""))
            ident = by_id[ident_id]
            found_conflicts.append({
                "event_id": item.event_id, "identifier_type": ident.type,
                "identifier_value": ident.value, "reason_code": code, "reason": reason,
                "person_ids": [real.get(p, p) for p in involved], "created_at": now})
        for ident in item.found.blocked:
            obs.append((item.event_id, rows[ident].id, "blocked"))
        new_edges += [(a, b, item.event_id, "same_message", now) for a, b in decision.edges]
    store.insert_observations(db, obs)
    bulk_insert(db, edges, ("a_id", "b_id", "event_id", "rule", "created_at"), new_edges)
    if found_conflicts:
        db.execute(conflicts.insert(), found_conflicts)
    store.set_last_keys(db, identifiers, ident_keys)
    store.set_last_keys(db, persons, person_keys)


def write_changes(db: Connection, changes: list[PersonChange], absorbed: dict[int, int],
                   listeners: Sequence[PersonListener]) -> None:
    store.mark_merged(db, absorbed)
    now = utcnow()
    for change in changes:
        store.log_change(db, kind="merge" if change.kind == "merged" else "split",
                         person=change.person, others=change.others,
                         event_id=change.event_id, actor=change.actor, now=now)
        for listener in listeners:
            listener(db, change)


OWNERS = "datong.identity.owners"


def publish_owners(db: Connection, owners: dict[int, int]) -> None:
    """Tell the hooks after this one, in this transaction, each new event's person."""
    db.info[OWNERS] = (db.get_transaction(), owners)


def published_owners(db: Connection) -> dict[int, int] | None:
    """The persons `publish_owners` left for this transaction's events, if it did (a replay
    does not: later hooks then read the identity tables)."""
    mark = db.info.pop(OWNERS, None)
    if mark is None or mark[0] is not db.get_transaction():
        return None
    owners: dict[int, int] = mark[1]
    return owners
