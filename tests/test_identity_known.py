"""Identifier rows kept between transactions (datong.identity.known): used only while the
identity clock says they are still what the table holds, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, select, update

from datong.identity import service, store
from datong.identity.known import hold_identity_writers, read_clock
from datong.identity.resolver import IdentityResolver
from datong.identity.tables import identifiers, persons
from datong.ingest import log
from datong.ingest.messages import Arrival, normalize
from datong.ingest.sources import Source, create_source
from datong.settings import Settings
from datong.store.database import is_postgres
from datong.store.types import utcnow

START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def source(engine: Engine) -> Source:
    with engine.begin() as db:
        found, _ = create_source(db=db, name="app", channel="online")
    return found


class Clock:
    """Counts the sequence numbers of messages across a test (distinct ids and times)."""

    def __init__(self) -> None:
        self.n = 0

    def rows(self, source: Source, *specs: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for spec in specs:
            self.n += 1
            body = {"type": "identify", "messageId": f"m{self.n}",
                    "timestamp": (START + timedelta(minutes=self.n)).isoformat(), **spec}
            out.append(normalize(body, None, Arrival(source, START + timedelta(days=1))))
        return out


def ingest(engine: Engine, resolver: IdentityResolver, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as db:
        log.append(db=db, rows=rows, hooks=[resolver])


def person_of(db: Connection, settings: Settings, text: str) -> int | None:
    type_, _, raw = text.partition(":")
    return service.find_person(db=db, rules=settings.rules, type=type_, raw=raw)


def test_every_write_to_identifiers_moves_the_clock(engine: Engine) -> None:
    def token() -> int:
        with engine.connect() as db:
            return read_clock(db)

    seen = [token()]
    with engine.begin() as db:
        db.execute(identifiers.insert().values(type="device_id", value="d", first_seen_at=utcnow()))
    seen.append(token())
    with engine.begin() as db:
        db.execute(select(identifiers)).all()  # a read does not
    assert token() == seen[-1]
    with engine.begin() as db:
        db.execute(update(identifiers).values(person_id=7))
    seen.append(token())
    with engine.begin() as db:
        db.execute(identifiers.delete())
    seen.append(token())
    if is_postgres(engine):
        with engine.begin() as db:
            db.exec_driver_sql("TRUNCATE identifiers")
        seen.append(token())
    with engine.begin() as db:  # a rolled back write leaves the token it found
        db.execute(identifiers.insert().values(type="device_id", value="e", first_seen_at=utcnow()))
        db.rollback()
    assert token() == seen[-1]
    assert len(set(seen)) == len(seen)


def test_known_identifiers_are_not_read_again(
    engine: Engine, settings: Settings, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[set[Any]] = []
    ensure = store.ensure_identifiers

    def spy(db: Connection, idents: set[Any]) -> Any:
        read.append(set(idents))
        return ensure(db, idents)

    monkeypatch.setattr(store, "ensure_identifiers", spy)
    resolver = IdentityResolver(settings.rules, cache_size=100)
    clock = Clock()
    ingest(engine, resolver, clock.rows(source, {"userId": "u-1", "anonymousId": "d-1"}))
    ingest(engine, resolver, clock.rows(source, {"userId": "u-1", "anonymousId": "d-1"},
                                        {"userId": "u-2", "anonymousId": "d-2"}))
    ingest(engine, resolver, clock.rows(source, {"userId": "u-2", "anonymousId": "d-2"},
                                        {"userId": "u-1", "anonymousId": "d-1"}))
    assert [len(r) for r in read] == [2, 2, 0]
    with engine.connect() as db:
        assert person_of(db, settings, "device_id:d-1") == person_of(db, settings, "user_id:u-1")
        assert person_of(db, settings, "device_id:d-2") != person_of(db, settings, "device_id:d-1")


def test_a_write_by_anyone_else_is_seen(engine: Engine, settings: Settings, source: Source) -> None:
    """An admin's unmerge splits u-1 from d-1: the writer must not go on believing they
    share a person (whichever of them the split moved), nor miss a raw write by another
    process."""
    resolver = IdentityResolver(settings.rules, cache_size=100)
    clock = Clock()
    ingest(engine, resolver, clock.rows(source, {"userId": "u-1", "anonymousId": "d-1"}))
    ingest(engine, resolver, clock.rows(source, {"anonymousId": "d-9"}))  # keeps those rows
    assert resolver.known is not None and len(resolver.known) == 2
    with engine.begin() as db:
        first = person_of(db, settings, "user_id:u-1")
        assert first is not None
        service.unmerge(db=db, person_id=first, identifier="device_id:d-1",
                        rules=settings.rules, actor="admin")
    with engine.connect() as db:
        user, device = (person_of(db, settings, t) for t in ("user_id:u-1", "device_id:d-1"))
    assert user is not None and device is not None and user != device
    ingest(engine, resolver, clock.rows(source, {"anonymousId": "d-1",
                                                 "traits": {"phone": "13811112222"}},
                                        {"userId": "u-1", "traits": {"email": "a@x.cn"}}))
    with engine.connect() as db:
        assert person_of(db, settings, "phone:13811112222") == device
        assert person_of(db, settings, "email:a@x.cn") == user
        assert person_of(db, settings, "device_id:d-1") == device
        assert person_of(db, settings, "user_id:u-1") == user
    ingest(engine, resolver, clock.rows(source, {"anonymousId": "d-9"}))
    assert len(resolver.known) == 4  # the unmerge made it forget; what it read since
    # Another process moves d-1 to u-1's person by hand (no resolver, its own connection):
    # the next event of d-1 alone (nothing to decide) is that person's, as the table says.
    other = create_engine(engine.url.render_as_string(hide_password=False))
    with other.begin() as db:
        db.execute(update(identifiers).where(identifiers.c.value == "d-1")
                   .values(person_id=user))
    other.dispose()
    rows = clock.rows(source, {"anonymousId": "d-1"})
    ingest(engine, resolver, rows)
    with engine.connect() as db:
        key = db.execute(select(persons.c.last_key).where(persons.c.id == user)).scalar()
    assert key is not None and key.endswith(rows[0]["message_id"])


def test_rows_of_a_rolled_back_transaction_are_not_kept(
    engine: Engine, settings: Settings, source: Source
) -> None:
    resolver = IdentityResolver(settings.rules, cache_size=100)
    clock = Clock()
    ingest(engine, resolver, clock.rows(source, {"userId": "u-0", "anonymousId": "d-0"}))
    ingest(engine, resolver, clock.rows(source, {"anonymousId": "d-0"}))
    with pytest.raises(RuntimeError), engine.begin() as db:
        log.append(db=db, rows=clock.rows(source, {"userId": "u-1", "anonymousId": "d-1"}),
                   hooks=[resolver])
        raise RuntimeError("the commit never happens")
    ingest(engine, resolver, clock.rows(source, {"userId": "u-1", "anonymousId": "d-1"},
                                        {"userId": "u-0", "anonymousId": "d-0"}))
    with engine.connect() as db:
        one = person_of(db, settings, "user_id:u-1")
        assert one is not None and person_of(db, settings, "device_id:d-1") == one
        assert db.execute(select(persons.c.id).where(persons.c.id == one)).scalar() == one
        assert person_of(db, settings, "device_id:d-0") == person_of(db, settings, "user_id:u-0")
        assert person_of(db, settings, "user_id:u-0") != one


def test_merges_and_splits_move_the_kept_rows_along(
    engine: Engine, settings: Settings, source: Source
) -> None:
    """The same stream through a resolver that keeps rows and one that does not."""
    streams = [
        [{"anonymousId": "d-1", "traits": {"email": "a@x.cn"}}],
        [{"userId": "u-1", "traits": {"phone": "13811112222"}}],
        [{"anonymousId": "d-1", "traits": {"phone": "13811112222"}},  # merges the two:
         {"anonymousId": "d-1"}],  # u-1 moves along, though this batch does not carry it
        [{"userId": "u-1", "anonymousId": "d-2"}],
        [{"anonymousId": "d-1"}, {"traits": {"email": "a@x.cn"}, "anonymousId": "d-3"}],
        [{"anonymousId": "d-4", "traits": {"phone": "13811112222"}}],  # moved in batch 3
    ]
    results = []
    for size in (0, 100):
        with engine.begin() as db:
            db.exec_driver_sql("DELETE FROM identity_observations")
            db.exec_driver_sql("DELETE FROM identity_edges")
            db.execute(identifiers.delete())
        resolver = IdentityResolver(settings.rules, cache_size=size)
        clock = Clock()
        clock.n = size * 10
        for batch in streams:
            ingest(engine, resolver, clock.rows(source, *batch))
        with engine.connect() as db:
            found = db.execute(select(identifiers.c.type, identifiers.c.value,
                                      identifiers.c.person_id)).all()
        groups: dict[int, set[str]] = {}
        for type_, value, person in found:
            groups.setdefault(person, set()).add(f"{type_}:{value}")
        results.append(sorted(sorted(g) for g in groups.values()))
    assert results[0] == results[1]
    assert ["device_id:d-1", "device_id:d-2", "device_id:d-3", "device_id:d-4", "email:a@x.cn",
            "phone:+8613811112222", "user_id:u-1"] in results[1]


def test_a_batch_repair_waits_for_identity_writers_instead_of_failing(engine: Engine) -> None:
    """PostgreSQL: a REPEATABLE READ repair that holds the writers off first is not undone by
    the clock row an ingest transaction updated meanwhile (it would fail to serialise)."""
    if not is_postgres(engine):
        pytest.skip("SQLite's writers are serialised by its database lock")
    outcome: list[str] = []

    def repair() -> None:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                hold_identity_writers(conn)
                conn.execute(select(identifiers)).all()
                conn.execute(update(identifiers).values(last_key="k"))
            outcome.append("committed")

    with engine.begin() as ingest_db:
        read_clock(ingest_db, lock=True)
        ingest_db.execute(identifiers.insert().values(type="device_id", value="d",
                                                      first_seen_at=utcnow()))
        worker = threading.Thread(target=repair)
        worker.start()
        time.sleep(0.3)  # the repair waits for this transaction
        assert outcome == []
    worker.join(timeout=30)
    assert outcome == ["committed"]
    with engine.connect() as db:
        assert db.execute(select(identifiers.c.last_key)).scalar_one() == "k"
