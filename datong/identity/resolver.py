"""Incremental identity resolution, inside the durable ingest transaction.

Each new event's identifiers are linked into persons by the rules of `graph.Graph`, in
canonical order (event time, source, messageId). When an event arrives later than events
already resolved in the part of the graph it touches, that part is replayed from its
events in canonical order (`replay`), so the partition never depends on the order of arrival.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.decisions import (
    OWNERS,
    Item,
    canonical,
    event_key,
    publish_owners,
    published_owners,
    record,
    source_user_id_types,
    write_changes,
)
from datong.identity.extract import Ident, extract
from datong.identity.graph import Decision, Graph
from datong.identity.known import KnownIdentifiers
from datong.identity.replay import replay
from datong.identity.rules import Rules
from datong.identity.store import IdentRow

__all__ = ["IdentityResolver", "published_owners", "resolve"]


class IdentityResolver:
    """The ingest hook (see datong.ingest.log.EventHook)."""

    def __init__(self, rules: Rules, listeners: Sequence[PersonListener] = (), *,
                 cache_size: int = 0) -> None:
        self.rules = rules
        self.listeners = list(listeners)
        self._user_id_types: dict[int, str] = {}
        # Identifier rows kept between transactions (datong.identity.known); 0: none.
        self.known = KnownIdentifiers(cache_size) if cache_size > 0 else None

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
            items.sort(key=canonical)
            resolve(db, items, self.rules, self.listeners, self.known)
        else:
            publish_owners(db, {})


def resolve(db: Connection, items: list[Item], rules: Rules,
            listeners: Sequence[PersonListener], known: KnownIdentifiers | None = None) -> None:
    idents = {i for item in items for i in (*item.found.linkable, *item.found.blocked)}
    kept: frozenset[Ident] = frozenset()
    if known is None:
        rows = store.ensure_identifiers(db, idents)
    else:
        rows, missing = known.open(db, idents)
        kept = frozenset(rows)
        rows.update(store.ensure_identifiers(db, set(missing)))
    if _arrived_late(db, items, rows):
        db.info.pop(OWNERS, None)
        # Stages nothing for `known`: the rows it rewrote moved the clock, so the next
        # transaction forgets every kept row.
        replay(db, items, rows, rules, listeners)
    else:
        _append(db, items, rows, rules, listeners, known, kept)


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
            listeners: Sequence[PersonListener], known: KnownIdentifiers | None,
            kept: frozenset[Ident] = frozenset()) -> None:
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
    record(db, items, decisions, rows, real)
    if known is not None:  # before the listeners: whatever they write is theirs to tell
        _stage(db, known, rows, kept, changed, decisions)
    absorbed = _log_merges(db, decisions, real, listeners)
    owners = {item.event_id: real.get(d.person, d.person) for item, d in decisions if d.linked}
    publish_owners(db, {e: _survivor(p, absorbed) for e, p in owners.items()})


def _stage(db: Connection, known: KnownIdentifiers, rows: dict[Ident, IdentRow],
           kept: frozenset[Ident], changed: dict[int, int],
           decisions: list[tuple[Item, Decision]]) -> None:
    """What the identifier rows hold after `_append` wrote them: those read from the table,
    and those `set_person` moved to a new person (`kept` rows it did not touch are kept as
    they are); a dropped identifier's last key moved (not kept: re-read); members of persons
    it merged that the batch did not carry are not kept either."""
    dropped = {ident_id for _, d in decisions for ident_id, *_ in d.dropped}
    now = {ident: row if row.id not in changed else row._replace(person_id=changed[row.id])
           for ident, row in rows.items()
           if row.id not in dropped and (row.id in changed or ident not in kept)}
    carried = {row.id for row in rows.values()}
    known.stage(db, now, dropped | (changed.keys() - carried))


def _survivor(person: int, absorbed: dict[int, int]) -> int:
    while person in absorbed:
        person = absorbed[person]
    return person


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
    write_changes(db, changes, absorbed, listeners)
    return absorbed
