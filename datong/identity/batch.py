"""Batch identity recompute: persons as the connected components of the live edge graph.

The incremental resolver keeps each person a spanning tree of non-revoked edges, so the
connected components of all those edges (plus each identifier with a person and no edge, a
component of its own) must be exactly the stored persons. `rebuild_identity` streams the
graph out of the state store as arrays, has the analytics engine compute the components,
compares, and with `apply=True` repairs the identifiers whose person differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, Engine, Select, func, select

from datong.engines.base import AnalyticsEngine
from datong.engines.components import int64_numpy
from datong.errors import Conflict
from datong.identity.changes import PersonListener
from datong.identity.known import hold_identity_writers
from datong.identity.regroup import NO_PERSON, Regrouping, regroup
from datong.identity.repair import write_regrouping
from datong.identity.tables import conflicts, edges, identifiers, merges

if TYPE_CHECKING:
    import numpy.typing as npt

    Ids = npt.NDArray[np.int64]
    Mask = npt.NDArray[np.bool_]

# (stage, done, total): stages are edges, components, identifiers, compare, apply.
Progress = Callable[[str, int, int], None]

STREAM_ROWS = 100_000
# A consistent view of edges and identifiers while they are read. SQLite's transaction is a
# snapshot already (WAL); PostgreSQL's default READ COMMITTED is not.
_SNAPSHOT_ISOLATION = {"postgresql": "REPEATABLE READ"}
_SERVER_CURSORS = {"postgresql"}  # drivers whose plain cursor would fetch every row at once


@dataclass
class RebuildReport:
    """What a batch recompute found (and, with apply, repaired)."""

    clusters: int
    identifiers: int
    edges: int
    differing: int
    merges: int
    splits: int
    conflicts: int
    seconds: float
    applied: bool = False
    reassigned: int = 0
    new_persons: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _silent(stage: str, done: int, total: int) -> None:
    return None


def rebuild_identity(
    *, engine: Engine, analytics: AnalyticsEngine, apply: bool, progress: Progress | None = None,
    listeners: Sequence[PersonListener] = (),
) -> RebuildReport:
    """Recompute persons as connected components and compare them with the stored ones; with
    `apply`, give the differing identifiers their component's person in one transaction."""
    started = time.perf_counter()
    report = progress or _silent
    with _snapshot(engine, write=False) as db:
        edge_count, plan = _plan(db, analytics, report)
    applied = False
    if apply and plan.differing:
        # Checked without a write lock first; the repair reads again under one, so that what
        # it writes matches what it read.
        with _snapshot(engine, write=True) as db:
            edge_count, plan = _plan(db, analytics, report)
            write_regrouping(db, plan, listeners=listeners,
                             progress=lambda done: report("apply", done, plan.differing))
        applied = True
    with engine.connect() as db:
        counts = _log_counts(db)
    return RebuildReport(
        clusters=plan.clusters, identifiers=plan.identifiers, edges=edge_count,
        differing=plan.differing, seconds=round(time.perf_counter() - started, 3),
        applied=applied, reassigned=plan.differing if applied else 0,
        new_persons=plan.new_persons if applied else 0, **counts)


@contextmanager
def _snapshot(engine: Engine, *, write: bool) -> Iterator[Connection]:
    with engine.connect() as conn:
        level = _SNAPSHOT_ISOLATION.get(conn.dialect.name)
        options: dict[str, Any] = {"readonly": not write}
        if level is not None:
            options["isolation_level"] = level
        conn = conn.execution_options(**options)
        with conn.begin():
            if write:
                hold_identity_writers(conn)
            yield conn


def _plan(db: Connection, analytics: AnalyticsEngine, report: Progress) -> tuple[int, Regrouping]:
    live = edges.c.revoked_at.is_(None)
    edge_total = int(db.execute(select(func.count()).select_from(edges).where(live)).scalar_one())
    src, dst = _stream_pairs(db, select(edges.c.a_id, edges.c.b_id).where(live), edge_total,
                             lambda done: report("edges", done, edge_total))
    report("components", 0, 1)
    component = _components(analytics, src, dst)
    del src, dst  # before the identifiers are read: the peak is the larger of the two
    report("components", 1, 1)
    ident_total = int(db.execute(select(func.count()).select_from(identifiers)).scalar_one())
    person = func.coalesce(identifiers.c.person_id, NO_PERSON)
    ids, persons = _stream_pairs(db, select(identifiers.c.id, person), ident_total,
                                 lambda done: report("identifiers", done, ident_total))
    report("compare", 0, 1)
    members = _graph_members(ids, persons, *component)
    del ids, persons, component
    plan = regroup(*members)
    report("compare", 1, 1)
    return edge_total, plan


def _stream_pairs(db: Connection, query: Select[Any], total: int,
                  report: Callable[[int], None]) -> tuple[Ids, Ids]:
    """Two int64 columns of a query, read in chunks straight from the driver (no row objects
    beyond one chunk) into preallocated arrays."""
    first, second = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64)
    raw = db.connection.driver_connection
    assert raw is not None
    named = db.dialect.name in _SERVER_CURSORS
    cursor = raw.cursor(name="datong_identity_rebuild") if named else raw.cursor()
    try:
        cursor.execute(str(query.compile(dialect=db.dialect,
                                         compile_kwargs={"literal_binds": True})))
        done = 0
        while rows := cursor.fetchmany(STREAM_ROWS):
            if done + len(rows) > total:
                raise Conflict("the identity graph changed while it was read; run it again")
            block = np.fromiter(chain.from_iterable(rows), np.int64, count=2 * len(rows))
            first[done : done + len(rows)] = block[0::2]
            second[done : done + len(rows)] = block[1::2]
            done += len(rows)
            report(done)
    finally:
        cursor.close()
    return first[:done], second[:done]


def _components(analytics: AnalyticsEngine, src: Ids, dst: Ids) -> tuple[Ids, Ids]:
    """(node ascending, component) from the engine."""
    table = analytics.connected_components(pa.table({"src": src, "dst": dst}))
    node = int64_numpy(table.column("node"))
    component = int64_numpy(table.column("component"))
    if len(node) > 1 and not bool(np.all(node[1:] > node[:-1])):
        order = np.argsort(node, kind="stable")
        node, component = node[order], component[order]
    return node, component


def _graph_members(ids: Ids, person: Ids, node: Ids, component: Ids
                   ) -> tuple[Ids, Ids, Ids, Mask]:
    """The identifiers of the graph (with a person, or on an edge), ascending, with their
    person and component (one without an edge is a component of its own), and which of them
    are identifier rows: an edge naming a missing identifier still links its component."""
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        order = np.argsort(ids, kind="stable")
        ids, person = ids[order], person[order]
    real = np.ones(len(ids), dtype=np.bool_)
    at = np.searchsorted(ids, node)  # both ascending: one pass
    found = (ids[np.minimum(at, len(ids) - 1)] == node if len(ids)
             else np.zeros(len(node), dtype=np.bool_))
    if not found.all():
        ids, person, real = _with(ids, person, real, node[~found])
        at = np.searchsorted(ids, node)
    del found
    own = ids.copy()
    own[at] = component
    keep = person != NO_PERSON
    keep[at] = True
    del at
    if keep.all():  # the usual case: every identifier has a person; no copies
        return ids, person, own, real
    return ids[keep], person[keep], own[keep], real[keep]


def _with(ids: Ids, person: Ids, real: Mask, missing: Ids) -> tuple[Ids, Ids, Mask]:
    """Add ids that are not identifier rows (no person), keeping the order."""
    ids = np.concatenate([ids, missing])
    person = np.concatenate([person, np.full(len(missing), NO_PERSON, dtype=np.int64)])
    real = np.concatenate([real, np.zeros(len(missing), dtype=np.bool_)])
    order = np.argsort(ids, kind="stable")
    return ids[order], person[order], real[order]


def _log_counts(db: Connection) -> dict[str, int]:
    by_kind = select(merges.c.kind, func.count()).group_by(merges.c.kind)
    kinds = {str(kind): int(count) for kind, count in db.execute(by_kind)}
    found = db.execute(select(func.count()).select_from(conflicts)).scalar_one()
    return {"merges": int(kinds.get("merge", 0)), "splits": int(kinds.get("split", 0)),
            "conflicts": int(found)}
