"""Batch recompute: every profile from the lake (plus the events not yet mirrored).

The analytics engine reads the lake and hands back, per event, only what profiles use
(order and refund properties, identify traits, context traits); the same `Stats` fold as
the ingest hook turns them into counters, so both paths give the same numbers. RFM scores
are quintiles across all persons with orders; their boundaries are kept so that profiles
are scored from current counters at read time (datong.profiles.rfm).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, select

from datong.engines.base import AnalyticsEngine
from datong.identity.tables import identifiers, observations
from datong.ingest.tables import events
from datong.profiles import rfm, store
from datong.profiles.facts import ORDER, REFUND, Stats, Trait, fold_traits
from datong.profiles.tables import stats, store_counts, tags, traits
from datong.profiles.tags import apply_rules
from datong.settings import Settings
from datong.store.types import utcnow

Progress = Callable[[str, int, int], None]  # stage, done, total

_LAKE_QUERY = f"""
SELECT id, type, event, channel, store_code, "timestamp",
       CASE WHEN event IN ('{ORDER}', '{REFUND}') THEN properties END AS properties,
       CASE WHEN type = 'identify' THEN traits END AS traits,
       CASE WHEN context LIKE '%"traits"%' THEN context END AS context
FROM events ORDER BY id
"""


@dataclass
class ProfileReport:
    persons: int
    events: int
    from_lake: int
    rfm_scored: int
    seconds: float


def _person_map(db: Connection) -> dict[int, int]:
    query = (select(observations.c.event_id, identifiers.c.person_id)
             .join(identifiers, identifiers.c.id == observations.c.identifier_id)
             .where(observations.c.status == "linked", identifiers.c.person_id.is_not(None)))
    return {r[0]: r[1] for r in db.execute(query)}


def _lake_rows(analytics: AnalyticsEngine) -> Iterator[dict[str, Any]]:
    table = analytics.sql(_LAKE_QUERY)
    for batch in table.to_batches(50_000):
        for row in batch.to_pylist():
            for name in ("properties", "traits", "context"):
                if row[name] is not None:
                    row[name] = orjson.loads(row[name])
            yield row


def _tail_rows(db: Connection, after: int) -> Iterator[dict[str, Any]]:
    for row in db.execute(select(events).where(events.c.id > after)
                          .order_by(events.c.id)).mappings():
        yield dict(row)


def recompute_profiles(*, engine: Engine, analytics: AnalyticsEngine, settings: Settings,
                       progress: Progress | None = None) -> ProfileReport:
    """Rebuild every profile's counters, traits, RFM scores and rule tags."""
    began = time.perf_counter()
    note = progress or (lambda stage, done, total: None)
    with engine.begin() as db:
        owners = _person_map(db)
        note("persons", len(owners), len(owners))
        found: dict[int, Stats] = {}
        all_traits: dict[int, dict[str, Trait]] = {}
        seen = last_id = from_lake = 0

        def fold(row: dict[str, Any]) -> None:
            person = owners.get(row["id"])
            if person is not None:
                found.setdefault(person, Stats()).add(row)
                fold_traits(all_traits.setdefault(person, {}), row)

        for row in _lake_rows(analytics):
            fold(row)
            from_lake += 1
            last_id = row["id"]
            if from_lake % 50_000 == 0:
                note("events", from_lake, from_lake)
        for row in _tail_rows(db, last_id):
            fold(row)
            seen += 1
        note("events", from_lake + seen, from_lake + seen)
        scores, cuts = rfm.batch(found)
        scored = _write(db, found, all_traits, scores, utcnow())
        rfm.save_cuts(db, cuts)
        note("write", len(found), len(found))
        apply_rules(db, settings.profile_tag_rules, found)
        note("tags", len(found), len(found))
    return ProfileReport(persons=len(found), events=from_lake + seen, from_lake=from_lake,
                         rfm_scored=scored, seconds=time.perf_counter() - began)


def _write(db: Connection, found: dict[int, Stats], all_traits: dict[int, dict[str, Trait]],
           scores: dict[int, tuple[int, int, int]], now: datetime) -> int:
    for table in (stats, store_counts, traits):
        db.execute(delete(table))
    db.execute(delete(tags).where(tags.c.source == "rule"))
    store.save_stats(db, found)
    store.save_traits(db, {p: t for p, t in all_traits.items() if t})
    rows = [{"p": p, "r": r, "f": f, "m": m} for p, (r, f, m) in scores.items()]
    if rows:
        db.execute(stats.update().where(stats.c.person_id == bindparam("p"))
                   .values(rfm_r=bindparam("r"), rfm_f=bindparam("f"), rfm_m=bindparam("m"),
                           rfm_at=now), rows)
    return len(rows)
