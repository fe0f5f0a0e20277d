"""Batch identity recompute: connected components on the engine equal the stored persons, and
`--apply` repairs what does not; on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx
import numpy as np
import orjson
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Connection, Engine, select
from typer.testing import CliRunner

from datong.cli import app
from datong.commands import common
from datong.engines import AnalyticsEngine, create_engine
from datong.errors import Invalid
from datong.identity.batch import RebuildReport, rebuild_identity
from datong.identity.tables import conflicts, edges, identifiers, merges, persons
from datong.settings import Settings
from datong.store.types import utcnow
from tests.conftest import Cast

ENGINES = ["duckdb"]  # the engines that run here; spark joins when it exists


@pytest.fixture(scope="module", params=ENGINES)
def analytics(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[AnalyticsEngine]:
    config = Settings(env="test", data_dir=tmp_path_factory.mktemp("lake"),
                      analytics_engine=request.param)
    with create_engine(config) as engine:
        yield engine


# --- plain factories: rows straight into the identity tables -------------------------------

def add_person(db: Connection) -> int:
    return int(db.execute(persons.insert().values(created_at=utcnow())).inserted_primary_key[0])


def add_identifier(db: Connection, value: str, person: int | None) -> int:
    row = {"type": "device_id", "value": value, "person_id": person, "first_seen_at": utcnow()}
    return int(db.execute(identifiers.insert().values(**row)).inserted_primary_key[0])


def link(db: Connection, a: int, b: int, *, revoked: bool = False) -> None:
    db.execute(edges.insert().values(
        a_id=a, b_id=b, rule="same_message", created_at=utcnow(),
        revoked_at=utcnow() if revoked else None, revoked_reason="unmerge" if revoked else None))


def graph(db: Connection, groups: dict[str, list[str]], chains: list[str],
          revoked: Sequence[tuple[str, str]] = ()) -> dict[str, int]:
    """Identifiers named by letter, each group a stored person (key "-" means no person);
    each chain "abc" links a-b and b-c; revoked pairs are edges no longer live."""
    ids: dict[str, int] = {}
    for key, names in groups.items():
        person = None if key == "-" else add_person(db)
        for name in names:
            ids[name] = add_identifier(db, name, person)
    for chain in chains:
        for a, b in zip(chain, chain[1:], strict=False):
            link(db, ids[a], ids[b])
    for a, b in revoked:
        link(db, ids[a], ids[b], revoked=True)
    return ids


def person_sets(engine: Engine) -> set[frozenset[str]]:
    with engine.connect() as db:
        rows = db.execute(select(identifiers.c.value, identifiers.c.person_id)
                          .where(identifiers.c.person_id.is_not(None))).all()
    groups: dict[int, set[str]] = {}
    for value, person in rows:
        groups.setdefault(person, set()).add(value)
    return {frozenset(g) for g in groups.values()}


def person_of(engine: Engine, value: str) -> int:
    with engine.connect() as db:
        return int(db.execute(select(identifiers.c.person_id)
                              .where(identifiers.c.value == value)).scalar_one())


def person_row(engine: Engine, person: int) -> Any:
    with engine.connect() as db:
        return db.execute(select(persons).where(persons.c.id == person)).one()


def rebuild(engine: Engine, analytics: AnalyticsEngine, *, apply: bool = False) -> RebuildReport:
    return rebuild_identity(engine=engine, analytics=analytics, apply=apply)


# --- the state store: agreement, then repairs ---------------------------------------------

def test_persons_that_are_the_components_differ_nowhere(
    engine: Engine, analytics: AnalyticsEngine
) -> None:
    with engine.begin() as db:
        graph(db, {"p": list("abc"), "q": list("defg"), "r": ["h"], "s": ["i"], "-": ["z"]},
              chains=["abc", "de", "df", "dg"], revoked=[("c", "d"), ("h", "i")])
        db.execute(merges.insert(), [
            {"kind": kind, "person_id": 1, "other_person_ids": [2], "created_at": utcnow()}
            for kind in ("merge", "merge", "split")])
        db.execute(conflicts.insert().values(
            identifier_type="member_id", identifier_value="M1", reason_code="max_per_person",
            reason="…", person_ids=[1, 2], created_at=utcnow()))
    seen: list[tuple[str, int, int]] = []
    report = rebuild_identity(engine=engine, analytics=analytics, apply=True,
                              progress=lambda *step: seen.append(step))
    assert (report.clusters, report.identifiers, report.edges) == (4, 9, 5)
    assert (report.differing, report.merges, report.splits, report.conflicts) == (0, 2, 1, 1)
    assert not report.applied  # nothing to repair: no write transaction at all
    assert ("edges", 5, 5) in seen and ("identifiers", 10, 10) in seen
    assert {stage for stage, _, _ in seen} == {"edges", "identifiers", "components", "compare"}


def test_a_person_cut_in_two_is_split_with_a_new_person(
    engine: Engine, analytics: AnalyticsEngine
) -> None:
    with engine.begin() as db:
        graph(db, {"p": list("abcde")}, chains=["ab", "cde"], revoked=[("b", "c")])
    before = person_of(engine, "a")
    report = rebuild(engine, analytics)
    assert (report.clusters, report.differing, report.applied) == (2, 2, False)
    assert person_sets(engine) == {frozenset("abcde")}  # a check changes nothing
    report = rebuild(engine, analytics, apply=True)
    assert (report.differing, report.reassigned, report.new_persons) == (2, 2, 1)
    assert report.splits == 1
    # The larger part keeps the person; the other gets a new one.
    assert person_sets(engine) == {frozenset("ab"), frozenset("cde")}
    assert person_of(engine, "c") == before and person_of(engine, "a") != before
    with engine.connect() as db:
        logged = db.execute(select(merges)).one()
    assert (logged.kind, logged.person_id, logged.other_person_ids) == (
        "split", before, [person_of(engine, "a")])
    assert logged.actor == "identity rebuild"
    assert rebuild(engine, analytics).differing == 0


def test_persons_joined_by_an_edge_are_merged_into_the_larger(
    engine: Engine, analytics: AnalyticsEngine
) -> None:
    with engine.begin() as db:
        graph(db, {"p": list("ab"), "q": list("cde"), "r": list("fg")},
              chains=["ab", "cde", "bc", "fg"])
    p, q, r = person_of(engine, "a"), person_of(engine, "c"), person_of(engine, "f")
    with engine.begin() as db:  # a person merged into p earlier follows p into q
        earlier = int(db.execute(persons.insert().values(
            created_at=utcnow(), merged_into=p, merged_at=utcnow())).inserted_primary_key[0])
    report = rebuild(engine, analytics, apply=True)
    assert (report.clusters, report.differing, report.new_persons, report.merges) == (2, 2, 0, 1)
    assert person_sets(engine) == {frozenset("abcde"), frozenset("fg")}
    assert person_of(engine, "a") == q and person_of(engine, "f") == r
    with engine.connect() as db:
        absorbed = db.execute(select(persons).where(persons.c.id == p)).one()
        logged = db.execute(select(merges)).one()
    assert absorbed.merged_into == q and absorbed.merged_at is not None
    assert person_row(engine, earlier).merged_into == q
    assert person_row(engine, q).merged_into is None
    assert (logged.kind, logged.person_id, logged.other_person_ids) == ("merge", q, [p])


def test_tangled_persons_and_identifiers_without_one(
    engine: Engine, analytics: AnalyticsEngine
) -> None:
    """x: p×2 + q×1 keeps p; y: q×2 keeps q; z has no person yet; ties go to the smaller id."""
    with engine.begin() as db:
        graph(db, {"p": list("ab"), "q": list("cde"), "-": list("fgh"), "s": list("ij")},
                    chains=["abc", "de", "fg", "hi", "j"])
    p, q, s = (person_of(engine, v) for v in "adi")
    report = rebuild(engine, analytics, apply=True)
    # components: abc, de, fg (no person), hi, j (an isolated identifier with its person)
    assert (report.clusters, report.identifiers) == (5, 10)
    assert (report.differing, report.new_persons) == (5, 2)  # c; f, g; h; j
    assert person_sets(engine) == {frozenset(x) for x in ("abc", "de", "fg", "hi", "j")}
    assert person_of(engine, "a") == p and person_of(engine, "d") == q
    assert person_of(engine, "i") == s  # hi: s×1 against none; j gets a new person
    assert person_of(engine, "j") not in {p, q, s}
    assert rebuild(engine, analytics).differing == 0


def test_an_edge_to_a_missing_identifier_still_links(
    engine: Engine, analytics: AnalyticsEngine
) -> None:
    with engine.begin() as db:
        ids = graph(db, {"p": ["a"], "q": ["b"]}, chains=[])
        link(db, ids["a"], 10**6)
        link(db, 10**6, ids["b"])
    p = person_of(engine, "a")
    report = rebuild(engine, analytics, apply=True)
    assert (report.clusters, report.identifiers, report.edges) == (1, 2, 2)
    assert (report.differing, report.new_persons) == (1, 0)  # tie: the smaller person stays
    assert person_sets(engine) == {frozenset("ab")} and person_of(engine, "b") == p


def test_batch_rebuild_equals_incremental_resolution(
    client: TestClient, cast: Cast, engine: Engine, analytics: AnalyticsEngine
) -> None:
    """Random identify calls through the real ingest path (rules, conflicts, merges), then
    the batch recompute finds exactly the persons the incremental resolver made."""
    rng = random.Random(11)
    batch: list[dict[str, Any]] = []
    for i in range(150):
        traits = {"phone": f"1381234{rng.randrange(60):04d}"} if rng.random() < 0.6 else {}
        if rng.random() < 0.4:
            traits["member_id"] = f"M{rng.randrange(50)}"
        batch.append({"type": "identify", "messageId": f"m{i}", "traits": traits,
                      "anonymousId": f"dev-{rng.randrange(120)}",
                      "timestamp": f"2026-11-0{1 + i // 24 % 9}T{i % 24:02d}:00:00Z",
                      **({"userId": f"u{rng.randrange(40)}"} if rng.random() < 0.3 else {})})
    for start in range(0, len(batch), 50):
        r = client.post("/v1/batch", auth=(cast.app_key, ""),
                        json={"batch": batch[start : start + 50]})
        assert r.status_code == 200, r.text
    report = rebuild(engine, analytics)
    assert report.differing == 0
    assert report.identifiers > 150 and report.edges > 100 and report.merges > 0
    assert report.clusters == len(person_sets(engine))


# --- the engine primitive against scipy and networkx ----------------------------------------

def networkx_components(pairs: list[tuple[int, int]]) -> dict[int, int]:
    found = networkx.Graph(pairs)
    return {node: min(members) for members in networkx.connected_components(found)
            for node in members}


def engine_components(analytics: AnalyticsEngine, pairs: list[tuple[int, int]]) -> dict[int, int]:
    src, dst = zip(*pairs, strict=True) if pairs else ((), ())
    table = analytics.connected_components(
        pa.table({"src": pa.array(src, pa.int64()), "dst": pa.array(dst, pa.int64())}))
    assert table.schema.names == ["node", "component"]
    rows = table.to_pydict()
    assert len(set(rows["node"])) == len(rows["node"])
    return dict(zip(rows["node"], rows["component"], strict=True))


ids = st.one_of(st.integers(0, 40), st.integers(-(2**63), 2**63 - 1))


@hyp_settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ids, ids), max_size=60))
def test_engine_components_equal_networkx(analytics: AnalyticsEngine,
                                          pairs: list[tuple[int, int]]) -> None:
    assert engine_components(analytics, pairs) == networkx_components(pairs)


@pytest.mark.parametrize(("nodes", "spread"), [(3_000, 1), (3_000, 10**12)])
def test_engine_components_on_random_graphs(analytics: AnalyticsEngine, nodes: int,
                                            spread: int) -> None:
    """Dense ids (relabelled by lookup) and sparse ones (by sorting), ~0.7 edges per node."""
    rng = np.random.default_rng(nodes + spread)
    names = rng.choice(nodes * spread, size=nodes, replace=False) + 1
    src, dst = (names[rng.integers(0, nodes, int(nodes * 0.7))] for _ in range(2))
    found = engine_components(analytics, list(zip(src.tolist(), dst.tolist(), strict=True)))
    assert found == networkx_components(list(zip(src.tolist(), dst.tolist(), strict=True)))
    order, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    matrix = csr_matrix((np.ones(len(src)), (inverse[: len(src)], inverse[len(src) :])),
                        shape=(len(order), len(order)))
    _, labels = connected_components(matrix, directed=False)
    smallest = {label: order[np.flatnonzero(labels == label)[0]] for label in set(labels)}
    assert found == {int(n): int(smallest[labels[i]]) for i, n in enumerate(order)}


def test_engine_refuses_a_malformed_edge_table(analytics: AnalyticsEngine) -> None:
    with pytest.raises(Invalid, match="src and dst"):
        analytics.connected_components(pa.table({"a": [1], "b": [2]}))
    with pytest.raises(Invalid, match="nulls"):
        analytics.connected_components(pa.table({"src": [1, None], "dst": [2, 3]}))
    empty = analytics.connected_components(pa.table({"src": pa.array([], pa.int64()),
                                                     "dst": pa.array([], pa.int64())}))
    assert empty.num_rows == 0 and empty.schema.names == ["node", "component"]


# --- the command line --------------------------------------------------------------------

@pytest.fixture
def env(settings: Settings, engine: Engine) -> Iterator[dict[str, str]]:
    yield {"DATONG_DATA_DIR": str(settings.data_dir), "DATONG_DATABASE_URL": settings.database_url,
           "DATONG_ENV": "test"}
    common.start_invocation()


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["identity", "rebuild", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_reports_then_repairs(env: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as db:
        graph(db, {"p": list("abcd"), "q": ["e"]}, chains=["ab", "cd", "de"])
    found = orjson.loads(run(env, "--json"))
    assert found["differing"] == 2 and found["applied"] is False
    assert {"clusters", "identifiers", "edges", "merges", "splits", "conflicts",
            "seconds"} <= set(found)
    out = run(env, "--apply")
    for label in ("clusters", "identifiers", "edges", "differing", "merges", "splits",
                  "conflicts", "seconds"):
        assert label in out
    assert "repaired 2 identifiers (0 new persons)" in out
    assert person_sets(engine) == {frozenset("ab"), frozenset("cde")}
    assert orjson.loads(run(env, "--json"))["differing"] == 0


# --- the repair plan, pure: any stored assignment ends as the components --------------------

SPARSE = 10**12  # ids this far apart take the sorting paths instead of lookup arrays


def _apply(plan: Any, person: dict[int, int]) -> dict[int, int]:
    fresh = {-k: 10**15 + k for k in range(1, plan.new_persons + 1)}
    moved = {int(i): fresh.get(int(a), int(a)) for i, a in zip(plan.ident_ids, plan.after,
                                                               strict=True)}
    return {**person, **moved}


@hyp_settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=40),
       st.lists(st.one_of(st.just(-1), st.integers(1, 6)), min_size=40, max_size=40))
def test_any_stored_assignment_is_repaired_to_the_components(groups: list[int],
                                                            stored: list[int]) -> None:
    from datong.identity.regroup import regroup

    results = []
    for scale in (1, SPARSE):
        ids = np.arange(1, len(groups) + 1, dtype=np.int64) * scale
        component = np.array([ids[groups.index(g)] for g in groups], dtype=np.int64)
        person = np.array(stored[: len(groups)], dtype=np.int64) * np.where(
            np.array(stored[: len(groups)]) > 0, scale, 1)
        plan = regroup(ids, person, component)
        after = _apply(plan, dict(zip(ids.tolist(), person.tolist(), strict=True)))
        by_person: dict[int, set[int]] = {}
        for i, p in after.items():
            by_person.setdefault(p, set()).add(i)
        assert sorted(map(sorted, by_person.values())) == sorted(
            sorted(int(i) for i, g in zip(ids, groups, strict=True) if g == group)
            for group in set(groups))
        again = regroup(ids, np.array([after[i] for i in ids.tolist()]), component)
        assert again.differing == 0 and plan.clusters == len(set(groups))
        results.append((plan.differing, plan.new_persons, (plan.ident_ids // scale).tolist()))
    assert results[0] == results[1]
