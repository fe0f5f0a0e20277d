"""The console overview: customers, channels, revenue and events over a date range, on the
analytics engine (the lake's events joined to persons moved over from the state store).

With a store filter, offline figures count that store only and the customer base is the
people who visited or bought there in the range; their online activity still counts, so a
store sees what its customers do online.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.compute as pc
from sqlalchemy import Connection

from datong.analytics import persons
from datong.engines import AnalyticsEngine
from datong.errors import Invalid

ORDER = "Order Completed"
REFUND = "Order Refunded"
TOP_EVENTS = 12
_STORE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class OverviewQuery:
    since: date  # first local day
    until: date  # the day after the last one
    zone: str
    store: str | None = None


@dataclass
class Overview:
    query: OverviewQuery
    known_customers: int
    daily: list[dict[str, Any]]  # day, channel, events, customers, orders, revenue, refunds
    mix: dict[str, int]  # online_only, offline_only, both
    stores: list[dict[str, Any]]  # store, orders, revenue, customers
    top_events: list[dict[str, Any]]  # event, channel, events
    new_customers: dict[str, int]  # first seen in the range, by first channel
    totals: dict[str, dict[str, int]] = field(default_factory=dict)  # channel → sums

    @property
    def active_customers(self) -> int:
        return sum(self.mix.values())


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def window(query: OverviewQuery) -> tuple[datetime, datetime]:
    tz = ZoneInfo(query.zone)
    return (datetime.combine(query.since, time(), tz).astimezone(UTC),
            datetime.combine(query.until, time(), tz).astimezone(UTC))


def _scoped_events(query: OverviewQuery) -> str:
    """A WITH clause: `ev` (events of the range with their person and order total) and
    `scoped` (those the store filter keeps), only the columns the figures need."""
    start, end = window(query)
    total = ("CASE WHEN e.type = 'track' AND e.event IN ('Order Completed', 'Order Refunded') "
             "THEN TRY_CAST(json_extract_string(e.properties, '$.total') AS BIGINT) END")
    ev = (
        f"ev AS (SELECT e.channel, e.store_code, e.event, e.type, "
        f"CAST(timezone({_quote(query.zone)}, e.timestamp) AS DATE) AS day, "
        f"COALESCE(u.person_id, a.person_id) AS person_id, {total} AS total "
        f"FROM events e LEFT JOIN src s ON s.id = e.source_id "
        f"LEFT JOIN idmap u ON u.type = s.user_id_type AND u.value = trim(e.user_id) "
        f"LEFT JOIN idmap a ON a.type = '{persons.DEVICE_TYPE}' "
        f"AND a.value = trim(e.anonymous_id) "
        f"WHERE e.date BETWEEN DATE '{start.date()}' AND DATE '{end.date()}' "
        f"AND e.timestamp >= TIMESTAMPTZ '{start.isoformat()}' "
        f"AND e.timestamp < TIMESTAMPTZ '{end.isoformat()}')"
    )
    if query.store is None:
        return f"WITH {ev}, scoped AS (SELECT * FROM ev)"
    store = _quote(query.store)
    return (
        f"WITH {ev}, visitors AS (SELECT DISTINCT person_id FROM ev WHERE channel = 'offline' "
        f"AND store_code = {store} AND person_id IS NOT NULL), "
        f"scoped AS (SELECT * FROM ev WHERE (channel = 'offline' AND store_code = {store}) "
        f"OR (channel = 'online' AND person_id IN (SELECT person_id FROM visitors)))"
    )


def _daily_sql() -> str:
    return (
        f"SELECT day, channel, count(*) AS events, "
        f"count(DISTINCT person_id) AS customers, "
        f"count(*) FILTER (WHERE type = 'track' AND event = '{ORDER}') AS orders, "
        f"COALESCE(sum(total) FILTER (WHERE event = '{ORDER}'), 0) AS revenue, "
        f"COALESCE(sum(total) FILTER (WHERE event = '{REFUND}'), 0) AS refunds "
        f"FROM scoped GROUP BY day, channel ORDER BY day, channel"
    )


def _mix_sql() -> str:
    return (
        "WITH per_person AS (SELECT person_id, bool_or(channel = 'online') AS online, "
        "bool_or(channel = 'offline') AS offline FROM scoped WHERE person_id IS NOT NULL "
        "GROUP BY person_id) "
        "SELECT CASE WHEN online AND offline THEN 'both' WHEN online THEN 'online_only' "
        "ELSE 'offline_only' END AS mix, count(*) AS customers FROM per_person GROUP BY 1"
    )


def _stores_sql() -> str:
    return (
        f"SELECT store_code AS store, "
        f"count(*) FILTER (WHERE type = 'track' AND event = '{ORDER}') AS orders, "
        f"COALESCE(sum(total) FILTER (WHERE event = '{ORDER}'), 0) AS revenue, "
        f"count(DISTINCT person_id) AS customers FROM scoped "
        f"WHERE channel = 'offline' AND store_code IS NOT NULL GROUP BY store_code "
        f"ORDER BY revenue DESC, store"
    )


def _events_sql() -> str:
    return (
        f"SELECT event, channel, count(*) AS events FROM scoped "
        f"WHERE type = 'track' AND event IS NOT NULL GROUP BY event, channel "
        f"ORDER BY events DESC, event, channel LIMIT {TOP_EVENTS}"
    )


def _new_sql() -> str:
    """`firsts` holds the persons first seen in the range, with their first channel."""
    return (
        "WITH people AS (SELECT DISTINCT person_id FROM scoped WHERE person_id IS NOT NULL) "
        "SELECT p.channel, count(*) AS customers FROM firsts p JOIN people USING (person_id) "
        "GROUP BY 1"
    )


def check_store(store: str | None) -> str | None:
    if store is None or not store.strip():
        return None
    if not _STORE_CODE.match(store.strip()):
        raise Invalid(f"{store!r} is not a store code", field="store")
    return store.strip()


def _totals(daily: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in daily:
        sums = out.setdefault(row["channel"], {"events": 0, "orders": 0, "revenue": 0,
                                               "refunds": 0})
        for key in sums:
            sums[key] += int(row[key] or 0)
    return out


def load_overview(*, db: Connection, engine: AnalyticsEngine, query: OverviewQuery,
                  maps: persons.IdentityMaps | None = None) -> Overview:
    """Every overview figure for the range, in one engine session; `maps` keeps the
    identifier map between calls while it is current."""
    src, idmap = (maps or persons.IdentityMaps()).get(db)
    engine.register("src", src)
    engine.register("idmap", idmap)
    engine.register("firsts", persons.first_seen_between(db, *window(query)))
    # The lake is scanned once; every figure below reads the kept rows.
    engine.keep("scoped", f"{_scoped_events(query)} SELECT * FROM scoped")
    daily = engine.sql(_daily_sql(), fresh=False).to_pylist()
    mix = {r["mix"]: int(r["customers"]) for r in engine.sql(_mix_sql(), fresh=False).to_pylist()}
    new = {r["channel"]: int(r["customers"])
           for r in engine.sql(_new_sql(), fresh=False).to_pylist()}
    return Overview(
        query=query,
        known_customers=int(pc.count_distinct(idmap["person_id"]).as_py()),
        daily=daily,
        mix={k: mix.get(k, 0) for k in ("online_only", "offline_only", "both")},
        stores=engine.sql(_stores_sql(), fresh=False).to_pylist(),
        top_events=engine.sql(_events_sql(), fresh=False).to_pylist(),
        new_customers={k: new.get(k, 0) for k in ("online", "offline")},
        totals=_totals(daily),
    )
