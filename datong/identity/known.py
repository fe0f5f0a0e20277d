"""Identifier rows kept in memory across ingest transactions, and how they stay true.

After the first sight of a user and a device, every later event of theirs only needs the
same few identifier rows (id, person, last key) again: reading them costs the writer more
than anything else identity does. This keeps them between transactions, safely:

- `identity_clock` holds a token that triggers change on every write to `identifiers`,
  whoever makes it (this process, the CLI, another server, a test); see migration 0007.
- A transaction that resolves identity first reads the token (on PostgreSQL with the row
  locked, so that no other writer of identifiers commits until it does; SQLite's writer
  holds the database lock already). Rows kept at another token are all forgotten.
- What the transaction itself writes is staged with the token its own writes left, and
  becomes the kept state only when the next transaction finds that very token: its writes
  committed and nobody wrote since. After a rollback the token is the old one again (the
  staged rows are dropped, the kept ones are still true); any other write gives a new one.
  A transaction that stages nothing after writing (a replay) leaves the kept rows at a
  token that is gone: the next one forgets them all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from datong.identity.extract import Ident
from datong.identity.store import IdentRow
from datong.store.database import is_postgres


def read_clock(db: Connection, *, lock: bool = False) -> int:
    """The identity clock's token; with `lock`, hold its row until this transaction ends
    (PostgreSQL; SQLite's writers are serialised by the database lock)."""
    sql = "SELECT token FROM identity_clock WHERE id = 1"
    if lock and is_postgres(db):
        sql += " FOR UPDATE"
    token = db.exec_driver_sql(sql).scalar_one()
    return int(token)


def hold_identity_writers(db: Connection) -> None:
    """PostgreSQL, as the first statement of a REPEATABLE READ transaction that will write
    identifiers (a batch repair): wait for the transactions that hold the clock, then keep
    every writer of identifiers out until this one ends. Its snapshot is taken after the
    lock (LOCK takes none), so its first write to identifiers does not fail on the clock row
    a writer updated meanwhile. SQLite's writer lock does this already."""
    if is_postgres(db):
        db.exec_driver_sql("LOCK TABLE identity_clock IN EXCLUSIVE MODE")


@dataclass
class _Staged:
    """What one transaction left: rows as it wrote them, at the token its writes left."""

    token: int
    rows: dict[Ident, IdentRow] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # ids whose rows it changed otherwise


class KnownIdentifiers:
    """Identifier rows by (type, value), at most `capacity` of them; shared by the threads
    that run the resolver (their transactions are serialised by the clock, see above)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._token: int | None = None
        self._rows: dict[Ident, IdentRow] = {}
        self._ids: dict[int, Ident] = {}
        self._staged: _Staged | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def open(self, db: Connection, idents: Iterable[Ident]
             ) -> tuple[dict[Ident, IdentRow], list[Ident]]:
        """At the start of a transaction's identity work: the kept rows of `idents` that
        are still true, and the idents to read from the table."""
        token = read_clock(db, lock=True)
        with self._lock:
            staged, self._staged = self._staged, None
            if staged is not None and staged.token == token:
                self._apply(staged)
            elif token != self._token:
                self._forget()
            self._token = token
            rows = self._rows
            found = {i: rows[i] for i in idents if i in rows}
        return found, [i for i in idents if i not in found]

    def stage(self, db: Connection, rows: dict[Ident, IdentRow], gone: set[int]) -> None:
        """After this transaction's last write to identifiers: `rows` is what they hold now,
        `gone` the ids of other rows it changed."""
        token = read_clock(db)
        with self._lock:
            self._staged = _Staged(token, rows, gone)

    def _apply(self, staged: _Staged) -> None:
        if len(self._rows) + len(staged.rows) > self.capacity:
            self._forget()
        rows, ids = self._rows, self._ids
        for ident_id in staged.gone:
            ident = ids.pop(ident_id, None)
            if ident is not None:
                del rows[ident]
        rows.update(staged.rows)
        ids.update({row.id: ident for ident, row in staged.rows.items()})

    def _forget(self) -> None:
        self._rows = {}
        self._ids = {}
