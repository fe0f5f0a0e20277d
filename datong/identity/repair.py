"""Writing a batch repair: new persons, identifiers' persons in bulk, and the merge log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, case, func, select, update

from datong.identity import store
from datong.identity.changes import PersonChange, PersonListener
from datong.identity.regroup import NO_PERSON, Regrouping
from datong.identity.tables import identifiers, persons
from datong.store.types import utcnow

ACTOR = "identity rebuild"
WRITE_ROWS = 5_000


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_regrouping(db: Connection, plan: Regrouping, *, listeners: Sequence[PersonListener],
                     progress: Callable[[int], None]) -> None:
    """Apply `plan` in the transaction of `db`: the differing identifiers move, persons left
    without identifiers point at the one that took most of them, merges and splits logged."""
    fresh = _create_persons(db, plan.new_persons)
    after = plan.after.copy()
    placeholder = after < 0
    after[placeholder] = fresh[-after[placeholder] - 1]
    moves = list(zip(plan.ident_ids.tolist(), after.tolist(), strict=True))
    stmt = (update(identifiers).where(identifiers.c.id == bindparam("ident"))
            .values(person_id=bindparam("person")))
    done = 0
    for part in _chunks(moves, WRITE_ROWS):
        db.execute(stmt, [{"ident": i, "person": p} for i, p in part])
        done += len(part)
        progress(done)
    _refresh_persons(db, sorted(set(after.tolist())))
    changes, absorbed = person_changes(plan.before.tolist(), after.tolist(), plan.kept)
    _mark_merged(db, absorbed)
    _log(db, changes, listeners)


def _create_persons(db: Connection, count: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    if not count:
        return np.empty(0, dtype=np.int64)
    now = utcnow()
    stmt = persons.insert().returning(persons.c.id, sort_by_parameter_order=True)
    ids = db.execute(stmt, [{"created_at": now} for _ in range(count)]).scalars().all()
    return np.asarray(ids, dtype=np.int64)


def _refresh_persons(db: Connection, targets: list[int]) -> None:
    """A person that gains identifiers is live again, and its last key covers theirs (the
    incremental resolver compares it with late messages)."""
    newest = (select(func.max(identifiers.c.last_key))
              .where(identifiers.c.person_id == persons.c.id).scalar_subquery())
    last_key = case((persons.c.last_key.is_(None), newest),
                    (newest > persons.c.last_key, newest), else_=persons.c.last_key)
    for part in _chunks(targets, WRITE_ROWS):
        db.execute(update(persons).where(persons.c.id.in_(part))
                   .values(last_key=last_key, merged_into=None, merged_at=None))


def person_changes(before: list[int], after: list[int], kept: set[int]
                   ) -> tuple[list[PersonChange], dict[int, int]]:
    """Splits and merges implied by identifiers moving from `before` to `after` persons, and
    which person each vanished person was absorbed into (the one that took most of it)."""
    shares: dict[int, Counter[int]] = {}
    for old, new in zip(before, after, strict=True):
        if old != NO_PERSON:
            shares.setdefault(old, Counter())[new] += 1
    changes: list[PersonChange] = []
    absorbed: dict[int, int] = {}
    for old, share in sorted(shares.items()):
        home = old if old in kept else min(share, key=lambda p: (-share[p], p))
        others = tuple(sorted(set(share) - {home}))
        if others:
            changes.append(PersonChange("split", old, others, actor=ACTOR))
        if home != old:
            absorbed[old] = home
    gone_into: dict[int, list[int]] = {}
    for old, home in sorted(absorbed.items()):
        gone_into.setdefault(home, []).append(old)
    changes += [PersonChange("merged", home, tuple(gone), actor=ACTOR)
                for home, gone in sorted(gone_into.items())]
    return changes, absorbed


def _mark_merged(db: Connection, absorbed: dict[int, int]) -> None:
    if not absorbed:
        return
    now = utcnow()
    rows = [{"gone": old, "into": new} for old, new in absorbed.items()]
    db.execute(update(persons).where(persons.c.id == bindparam("gone"))
               .values(merged_into=bindparam("into"), merged_at=now), rows)
    # Whoever pointed at an absorbed person now points at the person that took it: one
    # statement per chunk, as merged_into has no index to look each one up by.
    for part in _chunks(sorted(absorbed), WRITE_ROWS):
        mapping = {old: absorbed[old] for old in part}
        db.execute(update(persons).where(persons.c.merged_into.in_(part))
                   .values(merged_into=case(mapping, value=persons.c.merged_into)))


def _log(db: Connection, changes: list[PersonChange], listeners: Sequence[PersonListener]
         ) -> None:
    now = utcnow()
    for change in changes:
        store.log_change(db, kind="merge" if change.kind == "merged" else "split",
                         person=change.person, others=change.others, actor=change.actor,
                         now=now)
        for listener in listeners:
            listener(db, change)
