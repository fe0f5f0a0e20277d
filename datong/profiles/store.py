"""Reading and writing profile rows for many persons at once (the hot path of ingest)."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, delete, select

from datong.identity.store import chunks
from datong.identity.tables import identifiers, observations
from datong.ingest.tables import events
from datong.profiles.facts import COUNTER_COLUMNS, Stats, Trait
from datong.profiles.tables import stats, store_counts, tags, traits
from datong.store.database import bulk_insert, driver_value
from datong.store.raw import RawStatement
from datong.store.types import json_dumps
from datong.store.upsert import bulk_upsert


def persons_of_events(db: Connection, event_ids: Iterable[int]) -> dict[int, int]:
    """event id → the person its linked identifiers belong to now."""
    out: dict[int, int] = {}
    for part in chunks(sorted(event_ids)):
        query = (select(observations.c.event_id, identifiers.c.person_id)
                 .join(identifiers, identifiers.c.id == observations.c.identifier_id)
                 .where(observations.c.event_id.in_(part), observations.c.status == "linked",
                        identifiers.c.person_id.is_not(None)))
        out.update({r.event_id: r.person_id for r in db.execute(query)})
    return out


def events_of_persons(db: Connection, person_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every event linked to these persons, each with its `person_id`, in id order."""
    rows: list[dict[str, Any]] = []
    for part in chunks(sorted(person_ids)):
        linked = (select(observations.c.event_id, identifiers.c.person_id)
                  .join(identifiers, identifiers.c.id == observations.c.identifier_id)
                  .where(identifiers.c.person_id.in_(part), observations.c.status == "linked")
                  .distinct().subquery())
        query = (select(events, linked.c.person_id)
                 .join(linked, linked.c.event_id == events.c.id).order_by(events.c.id))
        rows += [dict(r) for r in db.execute(query).mappings()]
    return rows


def load_stats(db: Connection, person_ids: Iterable[int]) -> dict[int, Stats]:
    found: dict[int, Stats] = {}
    ids = sorted(set(person_ids))
    for part in chunks(ids):
        for row in db.execute(select(stats).where(stats.c.person_id.in_(part))).mappings():
            found[row["person_id"]] = Stats(**{c: row[c] for c in COUNTER_COLUMNS})
        for r in db.execute(select(store_counts).where(store_counts.c.person_id.in_(part))):
            found.setdefault(r.person_id, Stats()).stores[r.store_code] = [r.orders, r.visits]
    return found


_STORE_COUNTS = RawStatement(
    "SELECT store_code, orders, visits FROM profile_stores WHERE person_id = :person")


def store_counts_of(db: Connection, person: int) -> dict[str, list[int]]:
    return {r[0]: [r[1], r[2]] for r in _STORE_COUNTS.all(db, {"person": person})}


def load_traits(db: Connection, person_ids: Iterable[int]) -> dict[int, dict[str, Trait]]:
    found: dict[int, dict[str, Trait]] = {}
    for part in chunks(sorted(set(person_ids))):
        for row in db.execute(select(traits).where(traits.c.person_id.in_(part))):
            found.setdefault(row.person_id, {})[row.key] = (row.value, row.at, row.event_id)
    return found


def delete_profiles(db: Connection, person_ids: Iterable[int], *, with_traits: bool = True,
                    with_tags: bool = False) -> None:
    tables = [stats, store_counts] + ([traits] if with_traits else []) + (
        [tags] if with_tags else [])
    for part in chunks(sorted(set(person_ids))):
        for table in tables:
            db.execute(delete(table).where(table.c.person_id.in_(part)))


def save_stats(db: Connection, found: dict[int, Stats]) -> None:
    """Replace the counters of these persons (RFM scores are kept)."""
    rfm = _rfm_of(db, found)
    delete_profiles(db, found, with_traits=False)
    rows = [(p, *(driver_value(db, getattr(s, c)) for c in COUNTER_COLUMNS),
             *rfm.get(p, (None, None, None, None))) for p, s in found.items()]
    bulk_insert(db, stats, ("person_id", *COUNTER_COLUMNS, "rfm_r", "rfm_f", "rfm_m", "rfm_at"),
                rows)
    bulk_insert(db, store_counts, ("person_id", "store_code", "orders", "visits"),
                [(p, code, o, v) for p, s in found.items() for code, (o, v) in s.stores.items()])


# How an increment of each counter folds into the stored one (see `add_stats`).
_FOLD = {c: ("min" if c.endswith("first_at") or c == "first_seen_at" else
             "max" if c.endswith(("_at",)) else "sum") for c in COUNTER_COLUMNS}


_COUNTERS = attrgetter(*COUNTER_COLUMNS)


def add_stats(db: Connection, deltas: dict[int, Stats]) -> None:
    """Fold increments (the counters of new events only) into the stored counters without
    reading them: sums add, first times keep the earliest, last times the latest."""
    bulk_upsert(db, stats, ("person_id",), _FOLD,
                [(p, *_COUNTERS(d)) for p, d in deltas.items()])
    bulk_upsert(db, store_counts, ("person_id", "store_code"),
                {"orders": "sum", "visits": "sum"},
                [(p, code, o, v) for p, d in deltas.items() for code, (o, v) in d.stores.items()])


def _rfm_of(db: Connection, found: dict[int, Stats]) -> dict[int, tuple[Any, ...]]:
    out: dict[int, tuple[Any, ...]] = {}
    for part in chunks(sorted(found)):
        query = select(stats.c.person_id, stats.c.rfm_r, stats.c.rfm_f, stats.c.rfm_m,
                       stats.c.rfm_at).where(stats.c.person_id.in_(part),
                                             stats.c.rfm_r.is_not(None))
        for row in db.execute(query):
            out[row[0]] = (row[1], row[2], row[3], driver_value(db, row[4]))
    return out


def save_traits(db: Connection, full: dict[int, dict[str, Trait]]) -> None:
    """Replace all traits of these persons."""
    for part in chunks(sorted(full)):
        db.execute(delete(traits).where(traits.c.person_id.in_(part)))
    bulk_insert(db, traits, ("person_id", "key", "value", "at", "event_id"), [
        (p, k, json_dumps(v), driver_value(db, at), e)
        for p, keys in full.items() for k, (v, at, e) in keys.items()])
