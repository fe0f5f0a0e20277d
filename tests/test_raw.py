"""Statements on the driver's cursor store and read values exactly as SQLAlchemy does, on
SQLite and PostgreSQL; the row shapes the hot paths read match their tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from datong.offers.coupons import CouponRow
from datong.offers.tables import coupons
from datong.outbox.tables import domain_events
from datong.store.raw import RawStatement

_INSERT = RawStatement("""
    INSERT INTO domain_events (name, person_id, channel, properties, occurred_at)
    VALUES (:name, :person, :channel, :properties, :at)
    RETURNING id, occurred_at, properties""",
    json=("properties",), times=("at",), result_times=(1,), result_json=(2,))
_READ = RawStatement("SELECT name, occurred_at, properties FROM domain_events WHERE id = :id",
                     result_times=(1,), result_json=(2,))


def test_values_go_in_and_come_back_as_sqlalchemy_keeps_them(engine: Engine) -> None:
    when = datetime(2026, 11, 11, 2, 3, 4, 567890, tzinfo=UTC)
    props = {"门店": "SH01", "fen": 29900, "nested": {"ok": True}, "none": None}
    with engine.begin() as db:
        raw_id, at, back = _INSERT.one(db, {"name": "Raw", "person": 7, "channel": "offline",
                                            "properties": props, "at": when}) or ()
        core_id = db.execute(domain_events.insert().values(
            name="Core", person_id=7, channel="offline", properties=props, occurred_at=when)
        ).inserted_primary_key[0]  # type: ignore[index]
    assert (at, back) == (when, props)
    with engine.connect() as db:
        rows = {r.id: r for r in db.execute(select(domain_events))}
        assert (rows[raw_id].occurred_at, rows[raw_id].properties) == \
            (rows[core_id].occurred_at, rows[core_id].properties) == (when, props)
        stored = {r[0]: r[1:] for r in db.exec_driver_sql(
            "SELECT id, CAST(occurred_at AS TEXT), CAST(properties AS TEXT) FROM domain_events")}
        assert stored[raw_id] == stored[core_id]  # the same text in the database itself
        assert _READ.one(db, {"id": raw_id}) == ("Raw", when, props)
        assert _READ.one(db, {"id": 10**9}) is None


def test_row_shapes_follow_their_tables() -> None:
    assert list(CouponRow._fields) == [c.name for c in coupons.c]


def test_json_scalars_read_back_as_values(engine: Engine) -> None:
    """A JSON string, number or null (a profile trait such as a name) reads back as that
    value on both backends: psycopg parses JSONB itself, SQLite keeps text."""
    values = ["张三", 42, None, [1, "a"], True]
    with engine.begin() as db:
        ids = [db.execute(domain_events.insert().values(
            name="J", person_id=1, channel="online", properties=v,
            occurred_at=datetime(2026, 11, 11, tzinfo=UTC))).inserted_primary_key[0]
            for v in values]
        read = RawStatement("SELECT id, properties FROM domain_events WHERE name = 'J' "
                            "ORDER BY id", result_json=(1,))
        assert read.all(db, {}) == list(zip(ids, values, strict=True))
