"""Appends to the event log and the quarantine in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from datong.ingest.tables import events, quarantine
from datong.store.database import insert_ignore

# Called in the same transaction with the rows that were new (each with its "id"): how later
# domains (identity, loyalty) keep their state in step with the log.
EventHook = Callable[[Connection, list[dict[str, Any]]], None]


@dataclass
class AppendResult:
    inserted: set[tuple[int, str]] = field(default_factory=set)
    quarantined: int = 0


def append(
    *, db: Connection, rows: Sequence[dict[str, Any]], rejected: Sequence[dict[str, Any]] = (),
    hooks: Sequence[EventHook] = (),
) -> AppendResult:
    """Insert new events (a replayed messageId per source is skipped) and quarantine rows."""
    result = AppendResult()
    if rows:
        returned = insert_ignore(db, events, rows, returning=("id", "source_id", "message_id"))
        ids = {(r.source_id, r.message_id): r.id for r in returned}
        result.inserted = set(ids)
        if hooks and ids:
            new = _new_rows(rows, ids)
            for hook in hooks:
                hook(db, new)
    if rejected:
        db.execute(quarantine.insert(), list(rejected))
        result.quarantined = len(rejected)
    return result


def _new_rows(rows: Sequence[dict[str, Any]], ids: dict[tuple[int, str], int]) -> list[dict[str, Any]]:
    new: list[dict[str, Any]] = []
    for row in rows:
        key = (row["source_id"], row["message_id"])
        if key in ids:
            new.append({**row, "id": ids.pop(key)})
    return new
