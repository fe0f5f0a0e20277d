"""Replaying part of the identity graph: when an event arrives older than what its
identifiers' persons have already seen, the connected part is re-decided from all its events
in canonical order, so that the partition never depends on the order of arrival."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, select, update

from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.decisions import (
    Item,
    canonical,
    event_key,
    record,
    source_user_id_types,
    write_changes,
)
from datong.identity.extract import Ident, extract
from datong.identity.graph import Graph
from datong.identity.rules import Rules
from datong.identity.tables import conflicts, edges, identifiers, observations
from datong.ingest.tables import events
from datong.store.types import utcnow


def _closure(db: Connection, start: set[int]) -> tuple[set[int], set[int]]:
    """Events and identifiers reachable from `start` through observations (linked or
    dropped), live edges and shared persons."""
    idents: set[int] = set()
    evts: set[int] = set()
    frontier = set(start)
    while frontier:
        idents |= frontier
        found: set[int] = set()
        new_events: set[int] = set()
        for part in store.chunks(sorted(frontier)):
            new_events |= set(db.execute(select(observations.c.event_id).where(
                observations.c.identifier_id.in_(part),
                observations.c.status != "blocked")).scalars())
            for column, other in ((edges.c.a_id, edges.c.b_id), (edges.c.b_id, edges.c.a_id)):
                found |= set(db.execute(select(other).where(
                    column.in_(part), edges.c.revoked_at.is_(None))).scalars())
            owners = select(identifiers.c.person_id).where(identifiers.c.id.in_(part))
            found |= set(db.execute(select(identifiers.c.id).where(
                identifiers.c.person_id.in_(owners))).scalars())
        new_events -= evts
        evts |= new_events
        for part in store.chunks(sorted(new_events)):
            found |= set(db.execute(select(observations.c.identifier_id).where(
                observations.c.event_id.in_(part), observations.c.status != "blocked")).scalars())
        frontier = found - idents
    return evts, idents


def replay(db: Connection, items: list[Item], rows: dict[Ident, Any], rules: Rules,
            listeners: Sequence[PersonListener]) -> None:
    """Re-decide the touched part of the graph from its events, in canonical order."""
    start = {rows[i].id for item in items for i in item.found.linkable}
    old_events, ident_ids = _closure(db, start)
    old_events -= {item.event_id for item in items}
    before = _assignment(db, ident_ids)
    old_items = _load_items(db, old_events, rules)
    manual = _manual_links(db, ident_ids)
    _reset(db, old_events, ident_ids)
    every = sorted(old_items + items, key=canonical)
    all_rows = store.ensure_identifiers(db, {i for it in every for i in
                                             (*it.found.linkable, *it.found.blocked)})
    graph = Graph(rules, store.forbidden_pairs(db, ident_ids | {r.id for r in all_rows.values()}))
    for ident, row in all_rows.items():
        graph.know(row.id, ident)
    for a, b in manual:
        graph.apply([a, b])
    decisions = [(it, graph.apply([all_rows[i].id for i in it.found.linkable])) for it in every]
    real = _adopt(db, graph, before)
    store.set_person(db, {i: real[p] for i, p in graph.person_of.items()})
    record(db, every, decisions, all_rows, real)
    _log_regrouping(db, graph, before, real, listeners)


def _assignment(db: Connection, ident_ids: set[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for part in store.chunks(sorted(ident_ids)):
        for row in db.execute(select(identifiers.c.id, identifiers.c.person_id)
                              .where(identifiers.c.id.in_(part))):
            out[row.id] = row.person_id
    return out


def _load_items(db: Connection, event_ids: set[int], rules: Rules) -> list[Item]:
    kinds = source_user_id_types(db)
    items = []
    for part in store.chunks(sorted(event_ids)):
        for row in db.execute(select(events).where(events.c.id.in_(part))).mappings():
            data = dict(row)
            found = extract(data, rules, kinds.get(data["source_id"], "user_id"))
            items.append(Item(event_key(data), data["id"], found))
    return items


def _manual_links(db: Connection, ident_ids: set[int]) -> list[tuple[int, int]]:
    links = []
    for part in store.chunks(sorted(ident_ids)):
        links += [(r.a_id, r.b_id) for r in db.execute(select(edges.c.a_id, edges.c.b_id).where(
            edges.c.a_id.in_(part), edges.c.event_id.is_(None), edges.c.revoked_at.is_(None)))]
    return links


def _reset(db: Connection, event_ids: set[int], ident_ids: set[int]) -> None:
    now = utcnow()
    for part in store.chunks(sorted(event_ids)):
        db.execute(update(edges).where(edges.c.event_id.in_(part), edges.c.revoked_at.is_(None))
                   .values(revoked_at=now, revoked_reason="recomputed", revoked_by="resolver"))
        db.execute(delete(observations).where(observations.c.event_id.in_(part)))
        db.execute(delete(conflicts).where(conflicts.c.event_id.in_(part)))
    for part in store.chunks(sorted(ident_ids)):
        db.execute(update(identifiers).where(identifiers.c.id.in_(part))
                   .values(person_id=None, last_key=None))


def _adopt(db: Connection, graph: Graph, before: dict[int, int | None]) -> dict[int, int]:
    """Give each replayed cluster the old person id most of its identifiers had."""
    real: dict[int, int] = {}
    taken: set[int] = set()
    clusters = sorted(graph.members.items(), key=lambda kv: -len(kv[1]))
    for cluster, members in clusters:
        votes = Counter(before[i] for i in members if before.get(i) is not None)
        choice = next((p for p, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                       if p not in taken), None)
        if choice is not None:
            taken.add(choice)
            real[cluster] = choice
    fresh = [c for c, _ in clusters if c not in real]
    real.update(zip(fresh, store.create_persons(db, len(fresh)), strict=True))
    return real


def _log_regrouping(db: Connection, graph: Graph, before: dict[int, int | None],
                    real: dict[int, int], listeners: Sequence[PersonListener]) -> None:
    after = {i: real[p] for i, p in graph.person_of.items()}
    new_of_old: dict[int, set[int]] = {}
    old_of_new: dict[int, set[int]] = {}
    for ident_id, new in after.items():
        old = before.get(ident_id)
        if old is not None:
            new_of_old.setdefault(old, set()).add(new)
            old_of_new.setdefault(new, set()).add(old)
    changes = []
    absorbed: dict[int, int] = {}
    for old, news in sorted(new_of_old.items()):
        if len(news) > 1 or old not in news:
            keep = old if old in news else min(news)
            changes.append(PersonChange("split", old, tuple(sorted(news - {old}))))
            if old not in news:
                absorbed[old] = keep
    alive = set(after.values())
    for new, olds in sorted(old_of_new.items()):
        if len(olds - {new}) > 0 and new in olds:
            gone = tuple(sorted(o for o in olds - {new} if o not in alive))
            if gone:
                changes.append(PersonChange("merged", new, gone))
                absorbed.update({o: new for o in gone})
    write_changes(db, changes, absorbed, listeners)
