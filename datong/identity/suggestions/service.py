"""The review queue: scoring runs fill it, admins accept (merge) or reject; nothing merges
on its own."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, or_, select, update

from datong.errors import Conflict, NotFound
from datong.identity.rules import Rules
from datong.identity.suggestions.scoring import Pair, score_records
from datong.identity.suggestions.tables import match_suggestions as ms
from datong.identity.tables import persons
from datong.store.database import insert_ignore
from datong.store.types import utcnow


class MergePersons(Protocol):
    """What accepting a suggestion calls: join two persons, answer the survivor's id
    (`datong.identity.service.merge_persons` with the deployment's rules bound)."""

    def __call__(self, *, db: Connection, person_a: int, person_b: int, actor: str,
                 rule: str) -> int: ...


@dataclass
class RunSummary:
    run_id: str
    records: int
    trained: bool
    pairs: int  # scored at or above the threshold
    new: int  # pending suggestions created
    refreshed: int  # pending suggestions scored again
    skipped: int  # pairs already accepted or rejected
    stale: int  # pending suggestions withdrawn (persons merged, or no longer likely)
    seconds: float  # the whole run: reading, scoring, writing


def run_suggestions(*, engine: Engine, rules: Rules, threshold: float) -> RunSummary:
    """Score every current person against the others and refresh the queue.

    Takes the engine, not a connection: the records are read in one short read-only
    transaction and the queue written in another, so that no write lock is held while
    Splink runs (SQLite would stall ingestion for that long).
    """
    from datong.identity.suggestions.records import load_records

    started = time.perf_counter()
    with engine.connect().execution_options(readonly=True) as conn, conn.begin():
        records = load_records(db=conn, rules=rules)
    scoring = score_records(records, threshold=threshold)
    with engine.begin() as db:
        summary = save_pairs(db=db, pairs=scoring.pairs, run_id=uuid.uuid4().hex)
    summary.records, summary.trained = scoring.records, scoring.trained
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _current_of(db: Connection, ids: set[int]) -> dict[int, int]:
    """person id → the person it lives on in now (itself when not merged)."""
    found: dict[int, int] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), 500):
        rows = db.execute(select(persons.c.id, persons.c.merged_into)
                          .where(persons.c.id.in_(id_list[start:start + 500])))
        found |= {r.id: r.merged_into or r.id for r in rows}
    return found


def _reviewed_pairs(db: Connection) -> set[tuple[int, int]]:
    """Pairs already decided, mapped onto today's persons: a rejected pair stays rejected
    after either side absorbs someone else."""
    rows = db.execute(select(ms.c.person_a, ms.c.person_b)
                      .where(ms.c.status.in_(("accepted", "rejected")))).all()
    now = _current_of(db, {p for r in rows for p in r})
    return {_ordered(now.get(a, a), now.get(b, b)) for a, b in rows}


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def save_pairs(*, db: Connection, pairs: list[Pair], run_id: str) -> RunSummary:
    """Write one run's pairs into the queue (see RunSummary for what happens to each)."""
    summary = RunSummary(run_id, 0, False, len(pairs), 0, 0, 0, 0, 0.0)
    summary.stale = _withdraw_merged(db)
    now = _current_of(db, {p for pair in pairs for p in (pair.id_l, pair.id_r)})
    reviewed = _reviewed_pairs(db)
    pending = {(r.person_a, r.person_b): r.id for r in db.execute(
        select(ms.c.id, ms.c.person_a, ms.c.person_b).where(ms.c.status == "pending"))}
    created = utcnow()
    rows = []
    for pair in pairs:
        a, b = _ordered(pair.id_l, pair.id_r)
        if now.get(a) != a or now.get(b) != b or (a, b) in reviewed:
            summary.skipped += 1
            continue
        values = {"match_probability": pair.match_probability,
                  "match_weight": pair.match_weight, "features": pair.features,
                  "run_id": run_id}
        if (a, b) in pending:
            db.execute(update(ms).where(ms.c.id == pending.pop((a, b))).values(**values))
            summary.refreshed += 1
        else:
            rows.append({"person_a": a, "person_b": b, "status": "pending",
                         "created_at": created, **values})
    summary.new = len(insert_ignore(db, ms, rows, returning=("id",)))
    summary.stale += _withdraw(db, list(pending.values()))
    return summary


def _withdraw(db: Connection, ids: list[int]) -> int:
    for start in range(0, len(ids), 500):
        db.execute(update(ms).where(ms.c.id.in_(ids[start:start + 500]))
                   .values(status="stale"))
    return len(ids)


def _withdraw_merged(db: Connection) -> int:
    """Pending suggestions one of whose persons has since been merged away."""
    merged = select(persons.c.id).where(persons.c.merged_into.is_not(None))
    result = db.execute(update(ms).where(
        ms.c.status == "pending",
        or_(ms.c.person_a.in_(merged), ms.c.person_b.in_(merged))).values(status="stale"))
    return int(result.rowcount or 0)


def get_suggestion(*, db: Connection, suggestion_id: int) -> dict[str, Any]:
    row = db.execute(select(ms).where(ms.c.id == suggestion_id)).mappings().first()
    if row is None:
        raise NotFound(f"no match suggestion {suggestion_id}", field="suggestion_id")
    return dict(row)


def _pending(db: Connection, suggestion_id: int) -> dict[str, Any]:
    found = get_suggestion(db=db, suggestion_id=suggestion_id)
    if found["status"] != "pending":
        raise Conflict(f"match suggestion {suggestion_id} is already {found['status']}",
                       code="not_pending", field="suggestion_id")
    return found


def _review(db: Connection, suggestion_id: int, status: str, actor: str) -> dict[str, Any]:
    db.execute(update(ms).where(ms.c.id == suggestion_id)
               .values(status=status, reviewed_at=utcnow(), reviewed_by=actor))
    return get_suggestion(db=db, suggestion_id=suggestion_id)


def accept_suggestion(*, db: Connection, suggestion_id: int, actor: str,
                      merge: MergePersons) -> dict[str, Any]:
    """Merge the suggestion's two persons through `merge` and mark it accepted. Refused when
    either person was merged since (the next run marks the suggestion stale)."""
    found = _pending(db, suggestion_id)
    a, b = found["person_a"], found["person_b"]
    now = _current_of(db, {a, b})
    if now.get(a) != a or now.get(b) != b:  # the next run marks it stale
        raise Conflict(f"match suggestion {suggestion_id} is stale: a person was merged since "
                       "it was made", code="stale", field="suggestion_id")
    survivor = merge(db=db, person_a=a, person_b=b, actor=actor, rule="suggestion")
    return {**_review(db, suggestion_id, "accepted", actor), "survivor": survivor}


def reject_suggestion(*, db: Connection, suggestion_id: int, actor: str) -> dict[str, Any]:
    """Mark the pair as not the same person; later runs will not suggest it again."""
    _pending(db, suggestion_id)
    return _review(db, suggestion_id, "rejected", actor)


def list_suggestions(*, db: Connection, status: str | None, cursor: int | None,
                     limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """A page of suggestions, oldest first; pass the `next` id back as `cursor`."""
    query = select(ms)
    if status is not None:
        query = query.where(ms.c.status == status)
    if cursor is not None:
        query = query.where(ms.c.id > cursor)
    rows = [dict(r) for r in db.execute(query.order_by(ms.c.id).limit(limit + 1)).mappings()]
    return rows[:limit], rows[limit - 1]["id"] if len(rows) > limit else None

