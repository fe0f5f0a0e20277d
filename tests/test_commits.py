"""The group-commit queue on SQLite and PostgreSQL: units share a transaction, each in its own
savepoint; a refusal or a bug rolls back only its unit; a failed commit loses the whole group
and every caller hears so; an overloaded queue refuses at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text

from datong.errors import Conflict, Unavailable
from datong.store.commits import CommitQueue


@pytest.fixture
def table(engine: Engine) -> Engine:
    with engine.begin() as db:
        db.exec_driver_sql("CREATE TABLE queue_test (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    return engine


@pytest.fixture
def queue(table: Engine) -> Iterator[CommitQueue]:
    q = CommitQueue(table, max_pending=50)
    q.start()
    yield q
    q.stop()


def _insert(n: int, then: Callable[[], Any] | None = None) -> Callable[[Connection], int]:
    def work(db: Connection) -> int:
        db.execute(text("INSERT INTO queue_test (id, v) VALUES (:id, 'x')"), {"id": n})
        if then is not None:
            then()
        return n
    return work


def _stored(engine: Engine) -> list[int]:
    with engine.connect() as db:
        return [int(i) for i in db.execute(text("SELECT id FROM queue_test ORDER BY id"))
                .scalars()]


def _blocker(gate: threading.Event) -> Callable[[Connection], str]:
    def work(db: Connection) -> str:
        gate.wait(10)
        return "opened"
    return work


async def _grouped(queue: CommitQueue, works: list[Callable[[Connection], Any]]
                   ) -> list[Any]:
    """Run `works` so that they wait together behind a blocked unit, and so share a group."""
    gate = threading.Event()
    blocker = asyncio.ensure_future(queue.run(_blocker(gate)))
    await asyncio.sleep(0.2)
    tasks = [asyncio.ensure_future(queue.run(w)) for w in works]
    await asyncio.sleep(0.1)
    gate.set()
    await blocker
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def _refuse() -> None:
    raise Conflict("no", code="refused")


def _bug() -> None:
    raise KeyError("bug")


def test_a_refusal_or_a_bug_rolls_back_only_its_own_unit(queue: CommitQueue,
                                                         table: Engine) -> None:
    works = [_insert(1), _insert(2, then=_refuse), _insert(3), _insert(4, then=_bug),
             _insert(5)]
    answers = asyncio.run(_grouped(queue, works))
    assert answers[0] == 1 and answers[2] == 3 and answers[4] == 5
    assert isinstance(answers[1], Conflict) and answers[1].code == "refused"
    assert isinstance(answers[3], KeyError)
    assert _stored(table) == [1, 3, 5]


def test_a_unit_that_only_reads_costs_no_savepoint(queue: CommitQueue, table: Engine) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.split()[0].upper())

    def read_then_refuse(db: Connection) -> None:
        db.execute(text("SELECT count(*) FROM queue_test")).scalar()
        _refuse()

    event.listen(table, "after_cursor_execute", seen)
    try:
        answers = asyncio.run(_grouped(queue, [read_then_refuse, _insert(1), read_then_refuse,
                                               _insert(2, then=_refuse)]))
    finally:
        event.remove(table, "after_cursor_execute", seen)
    assert [type(a).__name__ for a in answers] == ["Conflict", "int", "Conflict", "Conflict"]
    assert queue.savepoints == 2  # the two units that wrote
    assert statements.count("ROLLBACK") == 1  # to the savepoint of the one that then failed
    assert _stored(table) == [1]


def test_a_failed_commit_loses_the_group_and_every_caller_is_told(queue: CommitQueue,
                                                                  table: Engine) -> None:
    with table.begin() as db:  # a check made only at commit: the group's commit fails
        db.exec_driver_sql("CREATE TABLE queue_child (id INTEGER PRIMARY KEY, parent INTEGER "
                           "REFERENCES queue_test (id) DEFERRABLE INITIALLY DEFERRED)")

    def orphan(db: Connection) -> None:
        db.execute(text("INSERT INTO queue_child (id, parent) VALUES (1, 999)"))

    answers = asyncio.run(_grouped(queue, [_insert(1), orphan, _insert(2)]))
    assert all(isinstance(a, Unavailable) and a.code == "store_unavailable" for a in answers)
    assert _stored(table) == []
    assert asyncio.run(queue.run(_insert(7))) == 7  # the queue goes on
    assert _stored(table) == [7]


def test_a_unit_alone_is_rolled_back_when_it_fails(queue: CommitQueue, table: Engine) -> None:
    with pytest.raises(Conflict):
        asyncio.run(queue.run(_insert(1, then=_refuse)))
    assert _stored(table) == []


def test_an_overloaded_queue_refuses_at_once(table: Engine) -> None:
    queue = CommitQueue(table, max_pending=2)
    queue.start()
    gate = threading.Event()

    async def flood() -> list[Any]:
        first = asyncio.ensure_future(queue.run(_blocker(gate)))
        await asyncio.sleep(0.1)
        second = asyncio.ensure_future(queue.run(_insert(1)))
        await asyncio.sleep(0.05)
        with pytest.raises(Unavailable) as refused:
            await queue.run(_insert(2))
        assert refused.value.code == "overloaded" and refused.value.retry_after >= 1
        gate.set()
        return list(await asyncio.gather(first, second))

    try:
        assert asyncio.run(flood()) == ["opened", 1]
    finally:
        queue.stop()
    assert _stored(table) == [1]


def test_a_stopped_queue_refuses(table: Engine) -> None:
    queue = CommitQueue(table)
    with pytest.raises(Unavailable):
        asyncio.run(queue.run(_insert(1)))
