"""A state store holding N persons with profiles, written straight into the tables.

Each person has a user id, a phone and one or two devices, a profile row (counters of a
few orders), three traits and, for one in ten, a tag — the shape ingestion leaves behind,
loaded by the driver in bulk so that a million persons take a minute, not an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine

from datong.identity.tables import identifiers, persons
from datong.profiles.facts import COUNTER_COLUMNS
from datong.profiles.tables import stats, tags, traits
from datong.store.database import bulk_insert
from datong.store.types import json_dumps

START = datetime(2025, 12, 1, tzinfo=UTC)
CHUNK = 100_000


def phone_of(n: int) -> str:
    """The phone of person n as a customer types it at a till (spaces, no country code)."""
    digits = f"139{n:08d}"
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def load(engine: Engine, count: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for first in range(0, count, CHUNK):
        ids = range(first + 1, min(first + CHUNK, count) + 1)
        with engine.begin() as db:
            _chunk(db, list(ids), rng)


def _chunk(db: Connection, ids: list[int], rng: np.random.Generator) -> None:
    now = START
    bulk_insert(db, persons, ("id", "created_at"), [(p, now) for p in ids])
    rows: list[tuple[object, ...]] = []
    for p in ids:
        rows += [("user_id", f"u{p:09d}", p, now), ("phone", f"+86139{p - 1:08d}", p, now),
                 ("device_id", f"dev-{p:09d}-a", p, now)]
        if p % 3 == 0:
            rows.append(("device_id", f"dev-{p:09d}-b", p, now))
    bulk_insert(db, identifiers, ("type", "value", "person_id", "first_seen_at"), rows)
    orders = rng.poisson(2.0, len(ids))
    days = rng.integers(0, 365, len(ids))
    stat_rows = []
    for p, n, d in zip(ids, orders.tolist(), days.tolist(), strict=True):
        seen = START + timedelta(days=d)
        online, offline = n // 2, n - n // 2
        values = {"first_seen_at": START, "last_seen_at": seen, "online_first_at": START,
                  "online_last_at": seen, "offline_first_at": START if offline else None,
                  "offline_last_at": seen if offline else None, "online_orders": online,
                  "offline_orders": offline, "online_spend": online * 29_900,
                  "offline_spend": offline * 45_800, "last_order_at": seen if n else None}
        stat_rows.append((p, *(values[c] for c in COUNTER_COLUMNS)))
    bulk_insert(db, stats, ("person_id", *COUNTER_COLUMNS), stat_rows)
    bulk_insert(db, traits, ("person_id", "key", "value", "at", "event_id"), [
        (p, key, json_dumps(value), START, p) for p in ids
        for key, value in (("name", f"顾客{p}"), ("city", "上海"), ("gender", "f"))])
    bulk_insert(db, tags, ("person_id", "tag", "source", "created_at", "created_by"),
                [(p, "vip", "rule", START, "rules") for p in ids if p % 10 == 0])
