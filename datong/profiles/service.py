"""Reading profiles: by identifier or person id, the timeline, and adding up computed traits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from datong.bounds import INT64_MAX, is_ascii_digits, parse_id
from datong.errors import Invalid, NotFound
from datong.identity import service as identity
from datong.identity.rules import Rules
from datong.identity.tables import identifiers, observations
from datong.ingest.tables import events, sources
from datong.profiles import rfm, store
from datong.profiles.facts import CHANNELS, COUNTER_COLUMNS, Stats
from datong.profiles.rules import flat
from datong.store.raw import RawStatement
from datong.store.types import EPOCH, epoch_micros, utcnow

MAX_LIMIT = 500


def resolve_key(*, db: Connection, rules: Rules, key: str) -> tuple[int, int]:
    """`123` or `type:value` → (the id asked for, the surviving person)."""
    if is_ascii_digits(key):
        asked = parse_id(key)
        if asked is None:
            raise NotFound(f"no person {key}", field="person_id")
        return asked, identity.current_person(db=db, person_id=asked)
    type_, sep, raw = key.partition(":")
    if not sep:
        raise Invalid("a profile is looked up by person id or type:value", field="key")
    if type_ not in rules.by_type:
        raise Invalid(f"unknown identifier type {type_!r}; known: {', '.join(rules.by_type)}",
                      field="type")
    person = identity.find_person(db=db, rules=rules, type=type_, raw=raw)
    if person is None:
        raise NotFound(f"no person has {type_} {raw!r}", field="key")
    return person, person


def computed(s: Stats, rfm: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Computed traits as the API shows them."""
    view = flat(s, now)
    per_channel = {c: {
        "first_seen_at": getattr(s, f"{c}_first_at"), "last_seen_at": getattr(s, f"{c}_last_at"),
        "orders": getattr(s, f"{c}_orders"), "spend": getattr(s, f"{c}_spend"),
        "average_order_value": (getattr(s, f"{c}_spend") // getattr(s, f"{c}_orders")
                                if getattr(s, f"{c}_orders") else None),
    } for c in CHANNELS}
    return {
        "first_seen_at": s.first_seen_at, "last_seen_at": s.last_seen_at, **per_channel,
        "orders": view["orders_total"], "spend": view["spend_total"],
        "average_order_value": view["average_order_value"],
        "favourite_store": view["favourite_store"],
        "channel_preference": view["channel_preference"],
        "last_order_at": s.last_order_at, "recency_days": view["recency_days"], "rfm": rfm,
    }


# The counter's lookup: each a short statement on the driver's cursor (datong.store.raw).
_STATS = RawStatement(
    f"SELECT {', '.join(COUNTER_COLUMNS)} FROM profile_stats WHERE person_id = :person",
    result_times=[i for i, c in enumerate(COUNTER_COLUMNS) if c.endswith("_at")])
_TRAITS = RawStatement(
    "SELECT key, value FROM profile_traits WHERE person_id = :person ORDER BY key",
    result_json=(1,))
_TAGS = RawStatement(
    "SELECT tag, source FROM profile_tags WHERE person_id = :person ORDER BY tag")


def _stats_and_rfm(db: Connection, person: int) -> tuple[Stats, dict[str, Any] | None]:
    """The person's counters, store counts and RFM scores from the current counters against
    the last batch's quintile boundaries (three small queries)."""
    row = _STATS.one(db, {"person": person})
    found = Stats(*row) if row is not None else Stats()
    found.stores = store.store_counts_of(db, person)
    return found, rfm.scores_of(found, rfm.load_cuts(db))


def get_profile(*, db: Connection, rules: Rules, key: str) -> dict[str, Any]:
    """Person id, identifiers, traits, computed traits and tags of the person `key` names."""
    asked, person = resolve_key(db=db, rules=rules, key=key)
    found, rfm = _stats_and_rfm(db, person)
    trait_rows = _TRAITS.all(db, {"person": person})
    tag_rows = _TAGS.all(db, {"person": person})
    return {
        "person_id": person,
        "merged_from": asked if asked != person else None,
        "identifiers": [{"type": i["type"], "value": i["value"],
                         "first_seen_at": i["first_seen_at"]}
                        for i in identity.person_identifiers(db=db, person_id=person)],
        "traits": {key: value for key, value in trait_rows},
        "computed": computed(found, rfm or {}, utcnow()),
        "tags": [{"tag": tag, "source": source} for tag, source in tag_rows],
    }


def _cursor(text: str | None) -> tuple[datetime, int] | None:
    if not text:
        return None
    micros, _, event_id = text.partition("_")
    try:
        after = EPOCH + timedelta(microseconds=int(micros)), int(event_id)
    except (ValueError, OverflowError):
        after = None
    if after is None or not 0 <= after[1] <= INT64_MAX:
        raise Invalid("cursor is not one this API gave", field="cursor")
    return after


def timeline(*, db: Connection, person_id: int, cursor: str | None, limit: int
             ) -> dict[str, Any]:
    """The person's events newest first (event time, then id), every channel interleaved."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    person = identity.current_person(db=db, person_id=person_id)
    linked = (select(observations.c.event_id)
              .join(identifiers, identifiers.c.id == observations.c.identifier_id)
              .where(identifiers.c.person_id == person, observations.c.status == "linked"))
    query = (select(events.c.id, events.c.channel, events.c.store_code, sources.c.name,
                    events.c.event, events.c.type, events.c.timestamp, events.c.properties)
             .join(sources, sources.c.id == events.c.source_id)
             .where(events.c.id.in_(linked)))
    after = _cursor(cursor)
    if after is not None:
        query = query.where(or_(events.c.timestamp < after[0],
                                and_(events.c.timestamp == after[0], events.c.id < after[1])))
    rows = db.execute(query.order_by(events.c.timestamp.desc(), events.c.id.desc())
                      .limit(limit + 1)).all()
    data = [{"id": r.id, "channel": r.channel, "store": r.store_code, "source": r.name,
             "event": r.event, "type": r.type, "timestamp": r.timestamp,
             "properties": r.properties} for r in rows[:limit]]
    last = data[-1] if data and len(rows) > limit else None
    return {"person_id": person, "data": data,
            "next_cursor": _next_cursor(last) if last else None}


def _next_cursor(row: dict[str, Any]) -> str:
    micros = epoch_micros(row["timestamp"])
    return f"{micros}_{row['id']}"
