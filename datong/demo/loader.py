"""Loading the demo world through the production ingestion path, chunk by chunk.

Every message goes through `split_messages` (validation, the quarantine) and `log.append`
(dedup by messageId, the runtime's hooks) in transactions of a few thousand messages, exactly
as a /v1/batch call would; the deterministic messageIds make a re-run insert nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from datong.demo.compose import Message
from datong.demo.generate import World, build_world, iter_chunks, parse_size
from datong.demo.members import MemberSeeding, enrol_members, points_activity
from datong.demo.people import VISITOR, WALKIN
from datong.demo.setup import Setup, ensure_setup
from datong.demo.world import stores_for
from datong.ingest import log
from datong.ingest.messages import Arrival, split_messages
from datong.ingest.sources import Source
from datong.ingest.tables import events
from datong.store.types import utcnow


@dataclass
class LoadReport:
    size: str
    seed: int
    start: datetime
    end: datetime
    customers: int
    visitors: int
    activities: int
    messages: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    setup_seconds: float = 0.0  # stores, staff (password hashing), sources, world generation
    seconds: float = 0.0  # everything, setup included

    @property
    def per_second(self) -> float:
        """Messages validated and appended per second, setup excluded."""
        loading = self.seconds - self.setup_seconds
        return self.messages / loading if loading > 0 else 0.0


# Called after each chunk with (activities done, activities in all, the report so far).
Progress = Callable[[int, int, LoadReport], None]


def store_has_events(*, db: Connection) -> bool:
    return db.execute(select(events.c.id).limit(1)).first() is not None


def load_demo(
    *, engine: Engine, size: str, seed: int, end: datetime | None = None,
    hooks: Sequence[log.EventHook] = (), progress: Progress | None = None,
    members: MemberSeeding | None = None,
) -> tuple[Setup, LoadReport]:
    """Set up the demo's stores, staff, sources and token, then stream its events in.
    With `members` (and the hooks), loyalty members join first and spend points after."""
    spec = parse_size(size)
    began = time.perf_counter()
    with engine.begin() as db:
        setup = ensure_setup(db=db, stores=stores_for(spec))
    world = build_world(spec, seed, end or setup.anchor)
    report = _report(world)
    if members is not None:
        enrol_members(engine=engine, world=world, setup=setup, hooks=hooks, seeding=members)
    report.setup_seconds = time.perf_counter() - began
    for done, messages in iter_chunks(world):
        _append(engine, setup.sources, messages, hooks, report)
        report.seconds = time.perf_counter() - began
        if progress is not None:
            progress(done, len(world.activities), report)
    if members is not None:
        points_activity(engine=engine, world=world, seeding=members)
    report.seconds = time.perf_counter() - began
    return setup, report


def _report(world: World) -> LoadReport:
    persona = world.cast.people.persona
    visitors = int(((persona == VISITOR) | (persona == WALKIN)).sum())
    return LoadReport(
        size=world.size.name, seed=world.seed, start=world.start, end=world.end,
        customers=len(persona) - visitors, visitors=visitors, activities=len(world.activities),
    )


def _append(engine: Engine, sources: dict[str, Source], messages: list[Message],
            hooks: Sequence[log.EventHook], report: LoadReport) -> None:
    """One transaction: validate per source as the HTTP batch endpoint does, then append."""
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source, message in messages:
        by_source[source].append(message)
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    received_at = utcnow()
    for name, batch in by_source.items():
        good, bad = split_messages(batch, None, Arrival(sources[name], received_at))
        rows.extend(good)
        rejected.extend(bad)
    with engine.begin() as db:
        result = log.append(db=db, rows=rows, rejected=rejected, hooks=hooks)
    report.messages += len(messages)
    report.inserted += len(result.inserted)
    report.duplicates += len(rows) - len(result.inserted)
    report.quarantined += result.quarantined
