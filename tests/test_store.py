"""The state store: migrations describe exactly the tables the code uses, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, select

from datong.identity.service import merge_history
from datong.identity.tables import merges
from datong.ingest.sources import create_source
from datong.ingest.tables import events
from datong.store.database import insert_ignore
from datong.store.migrate import alembic_config, current_revisions, head_revisions, upgrade
from datong.store.schema import metadata


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()


def _event(source_id: int, message_id: str, when: datetime) -> dict[str, object]:
    return {"source_id": source_id, "message_id": message_id, "type": "track", "event": "E",
            "channel": "online", "timestamp": when, "received_at": when,
            "properties": {"名": "值", "n": 1}}


def test_times_round_trip_as_utc_and_json_as_objects(engine: Engine) -> None:
    shanghai = timezone(timedelta(hours=8))
    when = datetime(2026, 11, 11, 20, 0, 0, 123456, tzinfo=shanghai)
    with engine.begin() as db:
        source, _ = create_source(db=db, name="s", channel="online")
        insert_ignore(db, events, [_event(source.id, "m1", when)])
        row = db.execute(select(events)).one()
    assert row.timestamp == when and row.timestamp.tzinfo == UTC
    assert row.timestamp.hour == 12
    assert row.properties == {"名": "值", "n": 1}


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with engine.begin() as db:
        source, _ = create_source(db=db, name="s", channel="online")
        with pytest.raises(Exception, match="naive datetime"):
            insert_ignore(db, events, [_event(source.id, "m1", datetime(2026, 1, 1))])


def test_insert_ignore_returns_only_new_rows(engine: Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as db:
        source, _ = create_source(db=db, name="s", channel="online")
        first = insert_ignore(db, events, [_event(source.id, f"m{i}", now) for i in range(3)],
                              returning=("message_id",))
        second = insert_ignore(db, events, [_event(source.id, f"m{i}", now) for i in range(2, 5)],
                               returning=("message_id",))
    assert sorted(r.message_id for r in first) == ["m0", "m1", "m2"]
    assert sorted(r.message_id for r in second) == ["m3", "m4"]


def test_the_merge_log_by_person_is_backfilled(tmp_path: Path) -> None:
    """0008 indexes the merge log by person: rows written before it are found too."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0007")
        when = datetime(2026, 11, 1, tzinfo=UTC)
        conn.execute(merges.insert(), [
            {"kind": "merge", "person_id": 1, "other_person_ids": [2, 3], "created_at": when},
            {"kind": "split", "person_id": 1, "other_person_ids": [4], "created_at": when}])
    upgrade(engine)
    with engine.connect() as db:
        assert [m["kind"] for m in merge_history(db=db, person_id=1)] == ["split", "merge"]
        assert [m["kind"] for m in merge_history(db=db, person_id=3)] == ["merge"]
        assert [m["kind"] for m in merge_history(db=db, person_id=4)] == ["split"]
        assert merge_history(db=db, person_id=5) == []
    engine.dispose()
