"""Connected components of the identity graph: datong's engine against scipy, igraph, networkx;
then `rebuild_identity` end to end from a SQLite state store.

    python -m bench.identity_graph_bench                        # 1M and 10M edges
    python -m bench.identity_graph_bench --edges 1000000 --rebuild-edges 1000000

One generated graph per size (numpy, fixed seed): persons of geometric size (mean 3.2
identifiers, each person a random tree), a few large components made by random links among 1%
of the persons, node ids a shuffled sample of [1, 1.25·nodes] (autoincrement keys with gaps).
Each tool runs in a fresh process that loads the graph, warms the tool up on 1,000 edges (lazy
imports off the clock), resets its peak-RSS counter, and times the tool from the edge arrays
to a component per node: three runs up to 2M edges (the median is reported), one above. Every
tool's partition is checked against datong's. networkx runs up to 2M edges only: at 1M it
takes ~12 s and ~0.85 GB, and it grows linearly from there.
Prints one JSON line per measurement, then a table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]

SEED = 20261124
MEAN_PERSON = 3.2  # identifiers per person → about 0.69 edges per node
CROSS_SHARE = 0.01  # share of edges that link persons into the few large components
LARGE_GROUPS = 5
NETWORKX_MAX_EDGES = 2_000_000
REPEAT_MAX_EDGES = 2_000_000  # up to this size each tool runs 3 times (median reported)


def random_graph(edges: int, seed: int = SEED) -> tuple[Ids, Ids]:
    """About `edges` undirected edges (src, dst) of a person-shaped random graph."""
    src, dst, _ = random_identity_graph(edges, seed)
    return src, dst


def random_identity_graph(edges: int, seed: int = SEED) -> tuple[Ids, Ids, Ids]:
    """(src, dst, every identifier id): persons of one identifier have no edge."""
    rng = np.random.default_rng(seed)
    cross = int(edges * CROSS_SHARE)
    nodes = int((edges - cross) * MEAN_PERSON / (MEAN_PERSON - 1))
    sizes = rng.geometric(1 / MEAN_PERSON, size=nodes // 2)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), nodes)) + 1]
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    offset = np.arange(len(starts)) - starts
    child = np.flatnonzero(offset > 0)
    parent = starts[child] + (rng.random(len(child)) * offset[child]).astype(np.int64)
    src, dst = _cross_links(rng, np.cumsum(sizes) - sizes, sizes, cross)
    src = np.concatenate([child, src])
    dst = np.concatenate([parent, dst])
    total = len(starts)
    ids = np.sort(rng.choice(int(total * 1.25), size=total, replace=False)) + 1
    ids = rng.permutation(ids)
    order = rng.permutation(len(src))
    flip = rng.random(len(src)) < 0.5
    src, dst = np.where(flip, dst, src)[order], np.where(flip, src, dst)[order]
    return ids[src].astype(np.int64), ids[dst].astype(np.int64), ids.astype(np.int64)


def _cross_links(rng: np.random.Generator, first: Ids, sizes: Ids, count: int
                 ) -> tuple[Ids, Ids]:
    """Random links among LARGE_GROUPS groups of persons, one identifier of each end."""
    chosen = rng.choice(len(first), size=max(LARGE_GROUPS, len(first) // 100), replace=False)
    groups = np.array_split(chosen, LARGE_GROUPS)
    per_group = count // LARGE_GROUPS
    ends = []
    for group in groups:
        pick = group[rng.integers(0, len(group), size=(per_group, 2))]
        ends.append(first[pick] + (rng.random(pick.shape) * sizes[pick]).astype(np.int64))
    both = np.concatenate(ends) if ends else np.empty((0, 2), np.int64)
    return both[:, 0], both[:, 1]


# --- the tools: each from (src, dst) arrays to one component id per node of `nodes` ---------

def _run_datong(src: Ids, dst: Ids) -> Ids:
    import pyarrow as pa

    from datong.engines.duckdb_engine import DuckDBEngine

    edges = pa.table({"src": src, "dst": dst})
    with DuckDBEngine(Path(tempfile.gettempdir())) as engine:
        started = time.perf_counter()
        table = engine.connected_components(edges)
        _timer.append(time.perf_counter() - started)
    node = np.asarray(table.column("node").to_numpy())
    return np.asarray(table.column("component").to_numpy())[np.argsort(node, kind="stable")]


def _dense(src: Ids, dst: Ids) -> tuple[Ids, Ids, Ids]:
    nodes, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    return nodes, inverse[: len(src)], inverse[len(src) :]


def _run_scipy(src: Ids, dst: Ids) -> Ids:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    started = time.perf_counter()
    nodes, a, b = _dense(src, dst)
    matrix = csr_matrix((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(matrix, directed=False)
    _timer.append(time.perf_counter() - started)
    return np.asarray(labels)


def _run_scipy_kernel(src: Ids, dst: Ids) -> Ids:
    """scipy given ids that are already 0..n-1 (the relabelling done before the clock)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, a, b = _dense(src, dst)
    started = time.perf_counter()
    matrix = csr_matrix((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(matrix, directed=False)
    _timer.append(time.perf_counter() - started)
    return np.asarray(labels)


def _run_igraph(src: Ids, dst: Ids) -> Ids:
    import igraph

    started = time.perf_counter()
    nodes, a, b = _dense(src, dst)
    graph = igraph.Graph(n=len(nodes), edges=np.column_stack([a, b]), directed=False)
    membership = graph.connected_components().membership
    _timer.append(time.perf_counter() - started)
    return np.asarray(membership, dtype=np.int64)


def _run_networkx(src: Ids, dst: Ids) -> Ids:
    import networkx

    started = time.perf_counter()
    graph = networkx.Graph()
    graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    found = {node: label for label, members in
             enumerate(networkx.connected_components(graph)) for node in members}
    _timer.append(time.perf_counter() - started)
    nodes = np.unique(np.concatenate([src, dst]))
    return np.fromiter((found[n] for n in nodes.tolist()), np.int64, count=len(nodes))


TOOLS: dict[str, Callable[[Ids, Ids], Ids]] = {
    "datong": _run_datong, "scipy": _run_scipy, "scipy kernel only": _run_scipy_kernel,
    "igraph": _run_igraph, "networkx": _run_networkx,
}
_timer: list[float] = []


def canonical(labels: Ids) -> Ids:
    """Any labelling of the ascending nodes (non-negative labels) → each node's component as
    its smallest node's position, so partitions compare as arrays."""
    labels = np.asarray(labels, dtype=np.int64)
    first = np.full(int(labels.max()) + 1 if len(labels) else 0, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels), dtype=np.int64))
    return first[labels]


# --- one tool in a fresh process ------------------------------------------------------------

def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _worker(tool: str, folder: Path, repeat: int) -> None:
    src, dst = np.load(folder / "src.npy"), np.load(folder / "dst.npy")
    _warm_imports(tool)
    TOOLS[tool](src[:1000], dst[:1000])  # first-call costs (lazy imports) off the clock
    _timer.clear()
    before = _peak_rss_mb()
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS counter
    for _ in range(repeat):
        labels = TOOLS[tool](src, dst)
    peak = _peak_rss_mb()
    np.save(folder / f"labels-{tool}.npy", canonical(labels))
    print(json.dumps({"seconds": round(float(np.median(_timer)), 3),
                      "best_seconds": round(min(_timer), 3), "runs": repeat,
                      "rss_before_mb": round(before), "peak_rss_mb": round(peak)}))


def _warm_imports(tool: str) -> None:
    import pyarrow  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401

    if tool == "datong":
        import datong.engines.duckdb_engine  # noqa: F401
    if tool == "igraph":
        import igraph  # noqa: F401
    if tool == "networkx":
        import networkx  # noqa: F401


def _run_tool(tool: str, folder: Path, repeat: int) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.identity_graph_bench", "--worker", tool, str(folder),
            "--repeat", str(repeat)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_size(edges: int, tools: list[str]) -> list[dict[str, Any]]:
    src, dst = random_graph(edges)
    rows = []
    with tempfile.TemporaryDirectory(prefix="datong-graph-") as tmp:
        folder = Path(tmp)
        np.save(folder / "src.npy", src)
        np.save(folder / "dst.npy", dst)
        nodes = len(np.unique(np.concatenate([src, dst])))
        for tool in tools:
            if tool == "networkx" and edges > NETWORKX_MAX_EDGES:
                continue
            result = _run_tool(tool, folder, 3 if edges <= REPEAT_MAX_EDGES else 1)
            same = np.array_equal(np.load(folder / f"labels-{tool}.npy"),
                                  np.load(folder / "labels-datong.npy"))
            row = {"bench": "components", "tool": tool, "edges": len(src), "nodes": nodes,
                   **result, "same_partition": bool(same)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    scipy_time = next((r["seconds"] for r in rows if r["tool"] == "scipy"), None)
    for row in rows:
        row["vs_scipy"] = round(row["seconds"] / scipy_time, 2) if scipy_time else float("nan")
    return rows


# --- rebuild_identity end to end from a SQLite state store ----------------------------------

def _load_store(data_dir: Path, edges: int) -> dict[str, Any]:
    """A state store holding the generated graph, each component one stored person; loaded
    with the driver's executemany (not part of the figure)."""
    import sqlite3

    from datong.settings import Settings
    from datong.store.database import open_store

    src, dst, nodes = random_identity_graph(edges)
    settings = Settings(env="test", data_dir=data_dir)
    open_store(settings).dispose()
    everything = np.concatenate([src, dst, nodes])
    position, inverse = np.unique(everything, return_inverse=True)
    matrix = _matrix(inverse[: len(src)], inverse[len(src) : 2 * len(src)], len(position))
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(matrix, directed=False)
    started = time.perf_counter()
    now = "2026-11-24 00:00:00.000000"
    with sqlite3.connect(data_dir / "datong.sqlite3") as db:
        db.execute("PRAGMA synchronous=OFF")
        db.executemany("INSERT INTO persons (id, created_at) VALUES (?, ?)",
                       ((int(p) + 1, now) for p in np.unique(labels)))
        db.executemany(
            "INSERT INTO identifiers (id, type, value, person_id, first_seen_at) "
            "VALUES (?, 'device_id', ?, ?, ?)",
            ((int(i), f"d{i}", int(p) + 1, now) for i, p in zip(position, labels, strict=True)))
        db.executemany(
            "INSERT INTO identity_edges (a_id, b_id, rule, created_at) "
            "VALUES (?, ?, 'same_message', ?)",
            ((int(a), int(b), now) for a, b in zip(src, dst, strict=True)))
    return {"edges": len(src), "identifiers": len(position), "persons": len(np.unique(labels)),
            "load_seconds": round(time.perf_counter() - started, 1)}


def _matrix(a: Ids, b: Ids, size: int) -> Any:
    from scipy.sparse import csr_matrix

    return csr_matrix((np.ones(len(a)), (a, b)), shape=(size, size))


def _corrupt(data_dir: Path, count: int) -> None:
    """Give the first `count` identifiers the next person's id (a wrong assignment)."""
    import sqlite3

    with sqlite3.connect(data_dir / "datong.sqlite3") as db:
        db.execute(
            "UPDATE identifiers SET person_id = person_id + 1 WHERE id IN (SELECT id FROM "
            "identifiers WHERE person_id < (SELECT max(id) FROM persons) ORDER BY id LIMIT ?)",
            (count,))


def _rebuild_worker(data_dir: Path, apply: bool) -> None:
    from datong.engines import create_engine
    from datong.identity.batch import rebuild_identity
    from datong.settings import Settings
    from datong.store.database import create_db_engine

    settings = Settings(env="test", data_dir=data_dir)
    engine = create_db_engine(settings)
    import pyarrow as pa
    import scipy.sparse.csgraph  # noqa: F401

    pa.table({"x": np.arange(3)}).group_by("x").aggregate([("x", "count")])  # lazy imports
    before = _peak_rss_mb()
    Path("/proc/self/clear_refs").write_text("5")
    with create_engine(settings) as analytics:
        started = time.perf_counter()
        report = rebuild_identity(engine=engine, analytics=analytics, apply=apply)
        seconds = time.perf_counter() - started
    print(json.dumps({**report.as_dict(), "seconds": round(seconds, 3),
                      "rss_before_mb": round(before), "peak_rss_mb": round(_peak_rss_mb())}))


def bench_rebuild(edges: int, wrong: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="datong-rebuild-") as tmp:
        data_dir = Path(tmp) / "data"
        loaded = _load_store(data_dir, edges)
        print(json.dumps({"bench": "rebuild_load", **loaded}), flush=True)
        runs = [("check", False, 0), ("check again", False, 0),
                (f"repair {wrong:,} wrong", True, wrong)]
        for label, apply, corrupt in runs:
            if corrupt:
                _corrupt(data_dir, corrupt)
            args = [sys.executable, "-m", "bench.identity_graph_bench", "--rebuild-worker",
                    str(data_dir), *(["--apply"] if apply else [])]
            done = subprocess.run(args, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"rebuild failed: {done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            row = {"bench": "rebuild_identity", "store": "sqlite", "run": label, **result}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


# --- output ---------------------------------------------------------------------------------

def _table(components: list[dict[str, Any]], rebuilds: list[dict[str, Any]]) -> str:
    lines = [f"{'tool':<20}{'edges':>12}{'nodes':>12}{'seconds':>10}{'× scipy':>9}"
             f"{'peak RSS MB':>13}{'growth MB':>11}  same partition", "-" * 99] \
        if components else []
    for r in components:
        growth = r["peak_rss_mb"] - r["rss_before_mb"]
        lines.append(f"{r['tool']:<20}{r['edges']:>12,}{r['nodes']:>12,}{r['seconds']:>10.2f}"
                     f"{r['vs_scipy']:>9.2f}{r['peak_rss_mb']:>13,}{growth:>11,}"
                     f"  {r['same_partition']}")
    if rebuilds:
        lines += ["", f"{'rebuild_identity (SQLite)':<28}{'edges':>12}{'seconds':>10}"
                  f"{'differing':>11}{'peak RSS MB':>13}", "-" * 74]
        for r in rebuilds:
            lines.append(f"{r['run']:<28}{r['edges']:>12,}{r['seconds']:>10.2f}"
                         f"{r['differing']:>11,}{r['peak_rss_mb']:>13,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", default="1000000,10000000",
                        help="comma-separated graph sizes (edges)")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--rebuild-edges", type=int, default=1_000_000,
                        help="edges in the state store for rebuild_identity (0: skip)")
    parser.add_argument("--wrong", type=int, default=1_000,
                        help="identifiers given a wrong person before the repair run")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-worker", metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--apply", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.worker:
        _worker(opts.worker[0], Path(opts.worker[1]), opts.repeat)
        return
    if opts.rebuild_worker:
        _rebuild_worker(Path(opts.rebuild_worker), opts.apply)
        return
    tools = ["datong", *(t for t in opts.tools.split(",") if t != "datong")]
    components = []
    for size in (int(s) for s in opts.edges.split(",") if int(s) > 0):
        components += bench_size(size, tools)
    rebuilds = bench_rebuild(opts.rebuild_edges, opts.wrong) if opts.rebuild_edges else []
    print()
    print(_table(components, rebuilds))


if __name__ == "__main__":
    main()
