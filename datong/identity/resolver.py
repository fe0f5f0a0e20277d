"""Incremental identity resolution, inside the durable ingest transaction.

Each new event's identifiers are linked into persons by the rules of `graph.Graph`, in
canonical order (event time, source, messageId). When an event arrives later than events
already resolved in the part of the graph it touches, that part is replayed from its
events in canonical order, so the partition never depends on the order of arrival.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, select, update

from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.extract import Found, Ident, extract
from datong.identity.graph import Decision, Graph
from datong.identity.rules import Rules
from datong.identity.tables import conflicts, edges, identifiers, merges, observations, persons
from datong.ingest.tables import events, sources
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


class IdentityResolver:
    """The ingest hook (see datong.ingest.log.EventHook)."""

    def __init__(self, rules: Rules, listeners: Sequence[PersonListener] = ()) -> None:
        self.rules = rules
        self.listeners = list(listeners)
        self._user_id_types: dict[int, str] = {}

    def __call__(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        kinds = self._user_id_types
        if any(row["source_id"] not in kinds for row in rows):
            kinds.update(source_user_id_types(db))
        items = []
        for row in rows:
            found = extract(row, self.rules, kinds.get(row["source_id"], "user_id"))
            if found.linkable or found.blocked:
                items.append(Item(event_key(row), row["id"], found))
        if items:
            items.sort(key=_canonical)
            resolve(db, items, self.rules, self.listeners)
        else:
            publish_owners(db, {})


def _canonical(item: Item) -> tuple[str, int]:
    return item.key, item.event_id


def resolve(db: Connection, items: list[Item], rules: Rules,
            listeners: Sequence[PersonListener]) -> None:
    idents = {i for item in items for i in (*item.found.linkable, *item.found.blocked)}
    rows = store.ensure_identifiers(db, idents)
    if _arrived_late(db, items, rows):
        db.info.pop(_OWNERS, None)
        _replay(db, items, rows, rules, listeners)
    else:
        _append(db, items, rows, rules, listeners)


def _arrived_late(db: Connection, items: list[Item], rows: dict[Ident, Any]) -> bool:
    """Whether any event is older than what its identifiers (or their persons) have seen.
    Identifiers keep a key only when a message dropped them; persons keep the newest."""
    seen: dict[int, str] = {}
    person_of: dict[Ident, int] = {}
    for ident, row in rows.items():
        if row.last_key is not None:
            seen[row.id] = row.last_key
        if row.person_id is not None:
            person_of[ident] = row.person_id
    keys = store.person_keys(db, set(person_of.values()))
    for item in items:
        for ident in item.found.linkable:
            newest = max(seen.get(rows[ident].id, ""), keys.get(person_of.get(ident, 0)) or "")
            if newest > item.key:
                return True
    return False


def _append(db: Connection, items: list[Item], rows: dict[Ident, Any], rules: Rules,
            listeners: Sequence[PersonListener]) -> None:
    """The usual case: every event is newer than the part of the graph it touches."""
    quiet, busy = _split_quiet(items, rows)
    touched = {rows[i].person_id for item in busy for i in item.found.linkable
               if rows[i].person_id is not None}
    graph = Graph(rules, store.forbidden_pairs(
        db, {rows[i].id for item in busy for i in item.found.linkable}) if busy else set())
    loaded = store.members_of(db, touched)
    for person, members in loaded.items():
        graph.add_person(person, members)
    if busy:
        for ident, row in rows.items():
            graph.know(row.id, ident)
    decisions = [(item, graph.apply([rows[i].id for i in item.found.linkable])) for item in busy]
    real = _realise(db, graph)
    current = {row.id: row.person_id for row in rows.values()}
    current.update({i: p for p, members in loaded.items() for i in members})
    changed = {i: real.get(p, p) for i, p in graph.person_of.items()
               if current.get(i) != real.get(p, p)}
    store.set_person(db, changed)
    decisions += [(item, Decision(person=rows[item.found.linkable[0]].person_id,
                                  linked=[rows[i].id for i in item.found.linkable]))
                  for item in quiet]
    _record(db, items, decisions, rows, real)
    absorbed = _log_merges(db, decisions, real, listeners)
    owners = {item.event_id: real.get(d.person, d.person) for item, d in decisions if d.linked}
    publish_owners(db, {e: _survivor(p, absorbed) for e, p in owners.items()})


def _survivor(person: int, absorbed: dict[int, int]) -> int:
    while person in absorbed:
        person = absorbed[person]
    return person


_OWNERS = "datong.identity.owners"


def publish_owners(db: Connection, owners: dict[int, int]) -> None:
    """Tell the hooks after this one, in this transaction, each new event's person."""
    db.info[_OWNERS] = (db.get_transaction(), owners)


def published_owners(db: Connection) -> dict[int, int] | None:
    """The persons `publish_owners` left for this transaction's events, if it did (a replay
    does not: later hooks then read the identity tables)."""
    mark = db.info.pop(_OWNERS, None)
    if mark is None or mark[0] is not db.get_transaction():
        return None
    owners: dict[int, int] = mark[1]
    return owners


def _split_quiet(items: list[Item], rows: dict[Ident, Any]) -> tuple[list[Item], list[Item]]:
    """Quiet events only repeat what their person already holds (a known user on a known
    device): nothing to decide. The rest, and any event of a person they touch, are busy."""
    def person(item: Item) -> int | None:
        found = {rows[i].person_id for i in item.found.linkable}
        return found.pop() if len(found) == 1 else None

    owners = {item.event_id: person(item) for item in items}
    busy_persons = {rows[i].person_id for item in items if owners[item.event_id] is None
                    for i in item.found.linkable}
    quiet = [it for it in items if owners[it.event_id] not in busy_persons | {None}
             and it.found.linkable]
    chosen = {it.event_id for it in quiet}
    return quiet, [it for it in items if it.event_id not in chosen]


def _realise(db: Connection, graph: Graph) -> dict[int, int]:
    """Provisional (negative) person ids → new rows in `persons`."""
    provisional = sorted(p for p in graph.members if p < 0)
    return dict(zip(provisional, store.create_persons(db, len(provisional)), strict=True))


def _record(db: Connection, items: list[Item], decisions: list[tuple[Item, Decision]],
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


def _log_merges(db: Connection, decisions: list[tuple[Item, Decision]], real: dict[int, int],
                listeners: Sequence[PersonListener]) -> dict[int, int]:
    """Log the merges the decisions made; answer absorbed person → survivor."""
    absorbed: dict[int, int] = {}
    changes = []
    for item, decision in decisions:
        if not decision.merged:
            continue
        survivor = real.get(decision.person, decision.person)
        others = tuple(real.get(p, p) for p in decision.merged)
        absorbed.update({o: survivor for o in others})
        changes.append(PersonChange("merged", survivor, others, event_id=item.event_id))
    _write_changes(db, changes, absorbed, listeners)
    return absorbed


def _write_changes(db: Connection, changes: list[PersonChange], absorbed: dict[int, int],
                   listeners: Sequence[PersonListener]) -> None:
    store.mark_merged(db, absorbed)
    now = utcnow()
    for change in changes:
        db.execute(merges.insert().values(
            kind="merge" if change.kind == "merged" else "split", person_id=change.person,
            other_person_ids=list(change.others), event_id=change.event_id, actor=change.actor,
            created_at=now))
        for listener in listeners:
            listener(db, change)


# --- replay -----------------------------------------------------------------------------

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


def _replay(db: Connection, items: list[Item], rows: dict[Ident, Any], rules: Rules,
            listeners: Sequence[PersonListener]) -> None:
    """Re-decide the touched part of the graph from its events, in canonical order."""
    start = {rows[i].id for item in items for i in item.found.linkable}
    old_events, ident_ids = _closure(db, start)
    old_events -= {item.event_id for item in items}
    before = _assignment(db, ident_ids)
    old_items = _load_items(db, old_events, rules)
    manual = _manual_links(db, ident_ids)
    _reset(db, old_events, ident_ids)
    every = sorted(old_items + items, key=_canonical)
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
    _record(db, every, decisions, all_rows, real)
    _log_regrouping(db, graph, before, real, listeners)


def _assignment(db: Connection, ident_ids: set[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for part in store.chunks(sorted(ident_ids)):
        for row in db.execute(select(identifiers.c.id, identifiers.c.person_id)
                              .where(identifiers.c.id.in_(part))):
            out[row.id] = row.person_id
    return out


def source_user_id_types(db: Connection) -> dict[int, str]:
    return {r.id: r.user_id_type for r in db.execute(select(sources.c.id, sources.c.user_id_type))}


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
    _write_changes(db, changes, absorbed, listeners)
