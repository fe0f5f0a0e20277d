"""Keeping profiles current: an ingest hook for new events, a listener for merges/splits.

Both run in the ingest (or unmerge) transaction. A split recomputes its persons from their
events, which may already include the events of the batch being ingested (their
observations are written before the listener runs); those are remembered on the
transaction so that the hook, which runs next, does not count them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from datong.identity.changes import PersonChange
from datong.identity.decisions import published_owners
from datong.profiles import store
from datong.profiles.facts import Stats, Trait, fold_traits
from datong.profiles.rules import TagRule
from datong.profiles.tags import apply_rules, move_tags

_COUNTED = "datong.profiles.counted"


def _counted(db: Connection) -> set[int]:
    """Event ids already folded into profiles in this transaction."""
    mark = db.info.get(_COUNTED)
    transaction = db.get_transaction()
    if mark is None or mark[0] is not transaction:
        mark = (transaction, set())
        db.info[_COUNTED] = mark
    found: set[int] = mark[1]
    return found


class ProfileHook:
    """The ingest hook (see datong.ingest.log.EventHook); runs after identity resolution."""

    def __init__(self, tag_rules: Sequence[TagRule]) -> None:
        self.tag_rules = list(tag_rules)

    def __call__(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        counted = _counted(db)
        fresh = [r for r in rows if r["id"] not in counted] if counted else rows
        db.info.pop(_COUNTED, None)
        owners = published_owners(db)
        if owners is None:
            owners = store.persons_of_events(db, (r["id"] for r in fresh))
        if owners:
            apply_events(db, [(owners[r["id"]], r) for r in fresh if r["id"] in owners],
                         self.tag_rules)


def apply_events(db: Connection, pairs: list[tuple[int, dict[str, Any]]],
                 tag_rules: Sequence[TagRule]) -> None:
    """Fold (person, event row) pairs into the stored profiles: the counters as increments
    (no read), the traits of identify calls, and the rule tags of persons whose orders,
    spend or store counts moved (the only counters rules read)."""
    deltas: dict[int, Stats] = {}
    with_traits: set[int] = set()
    for person, row in pairs:
        delta = deltas.get(person)
        if delta is None:
            delta = deltas[person] = Stats()
        delta.add(row)
        if row["type"] == "identify" or _has_context_traits(row):
            with_traits.add(person)
    store.add_stats(db, deltas)
    if with_traits:
        traits = store.load_traits(db, with_traits)
        changed = {p for p, row in pairs
                   if p in with_traits and fold_traits(traits.setdefault(p, {}), row)}
        store.save_traits(db, {p: traits[p] for p in changed})
    moved = {p for p, d in deltas.items() if d.moves_rules()}
    if moved and tag_rules:
        apply_rules(db, tag_rules, store.load_stats(db, moved))


def _has_context_traits(row: dict[str, Any]) -> bool:
    context = row.get("context")
    return isinstance(context, dict) and bool(context.get("traits"))


def recompute(db: Connection, person_ids: set[int], tag_rules: Sequence[TagRule]) -> None:
    """Rebuild these persons' profiles from the events linked to them now."""
    rows = store.events_of_persons(db, person_ids)
    _counted(db).update(r["id"] for r in rows)
    found: dict[int, Stats] = {p: Stats() for p in person_ids}
    traits: dict[int, dict[str, Trait]] = {p: {} for p in person_ids}
    for row in rows:
        found[row["person_id"]].add(row)
        fold_traits(traits[row["person_id"]], row)
    store.save_stats(db, found)
    store.save_traits(db, traits)
    apply_rules(db, tag_rules, found)


def merge_profiles(db: Connection, survivor: int, others: Sequence[int],
                   tag_rules: Sequence[TagRule]) -> None:
    """Fold the absorbed persons' profiles into the survivor's and drop theirs."""
    everyone = [survivor, *others]
    found = store.load_stats(db, everyone)
    traits = store.load_traits(db, everyone)
    combined = found.get(survivor, Stats())
    merged_traits = dict(traits.get(survivor, {}))
    for other in others:
        combined.combine(found.get(other, Stats()))
        for key, trait in traits.get(other, {}).items():
            current = merged_traits.get(key)
            if current is None or (trait[1], trait[2]) > (current[1], current[2]):
                merged_traits[key] = trait
    store.delete_profiles(db, others)
    store.save_stats(db, {survivor: combined})
    store.save_traits(db, {survivor: merged_traits})
    move_tags(db, survivor, others)
    apply_rules(db, tag_rules, {survivor: combined})


class ProfileListener:
    """The person listener (datong.identity.changes.PersonListener) profiles follow."""

    def __init__(self, tag_rules: Sequence[TagRule]) -> None:
        self.tag_rules = list(tag_rules)

    def __call__(self, db: Connection, change: PersonChange) -> None:
        if change.kind == "merged":
            merge_profiles(db, change.person, change.others, self.tag_rules)
        elif change.kind == "split":
            recompute(db, {change.person, *change.others}, self.tag_rules)
