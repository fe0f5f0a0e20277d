"""Connected components of an edge list held in this process: the kernel of in-process engines.

The nodes are relabelled densely (0..n-1), the edges become a sparse adjacency matrix, and
`scipy.sparse.csgraph.connected_components` labels it in C. Each component is then named by
its smallest node id, so that every engine gives the same answer for the same graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from datong.errors import Invalid

if TYPE_CHECKING:
    import numpy.typing as npt

    Ids = npt.NDArray[np.int64]
    Index = npt.NDArray[np.int32] | npt.NDArray[np.int64]

COMPONENTS_SCHEMA = pa.schema([
    pa.field("node", pa.int64(), nullable=False),
    pa.field("component", pa.int64(), nullable=False),
])
# Relabel through a lookup array over [min id, max id] while it costs at most this many slots
# per edge (identifier ids are autoincrement keys, so they are dense); sort beyond that.
LOOKUP_SLOTS_PER_EDGE = 4
_LOOKUP_FLOOR = 1 << 20


def edge_arrays(edges: pa.Table) -> tuple[Ids, Ids]:
    """The `src` and `dst` columns as int64 numpy arrays; nulls are refused."""
    missing = {"src", "dst"} - set(edges.column_names)
    if missing:
        raise Invalid(f"the edge table needs int64 columns src and dst; missing {sorted(missing)}")
    columns = []
    for name in ("src", "dst"):
        column = edges.column(name)
        if column.null_count:
            raise Invalid(f"the edge table's {name} column has {column.null_count} nulls")
        if not pa.types.is_integer(column.type):
            raise Invalid(f"the edge table's {name} column is {column.type}, not an integer")
        columns.append(int64_numpy(column.cast(pa.int64())))
    return columns[0], columns[1]


def int64_numpy(column: pa.ChunkedArray) -> Ids:
    """A null-free integer column as an int64 array, sharing its buffer when in one chunk."""
    whole = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return np.asarray(whole.to_numpy(zero_copy_only=False), dtype=np.int64)


def dense_relabel(src: Ids, dst: Ids) -> tuple[Ids, Index, Index]:
    """(node ids ascending, src and dst as positions in them)."""
    low, high = int(min(src.min(), dst.min())), int(max(src.max(), dst.max()))
    span = high - low + 1
    if span <= max(LOOKUP_SLOTS_PER_EDGE * len(src), _LOOKUP_FLOOR) and span < 2**31:
        return _relabel_by_lookup(src, dst, low, span)
    return _relabel_by_sorting(src, dst)


def _relabel_by_lookup(src: Ids, dst: Ids, low: int, span: int) -> tuple[Ids, Index, Index]:
    # Linear in edges + span, where sorting 2·edges ids would be n log n and cache-hostile.
    src_at, dst_at = src - low, dst - low
    seen = np.zeros(span, dtype=np.bool_)
    seen[src_at] = True
    seen[dst_at] = True
    position = np.cumsum(seen, dtype=np.int32)
    position -= 1
    nodes = np.flatnonzero(seen).astype(np.int64) + low
    return nodes, position[src_at], position[dst_at]


def _relabel_by_sorting(src: Ids, dst: Ids) -> tuple[Ids, Index, Index]:
    nodes, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    inverse = inverse.astype(np.int32) if len(nodes) < 2**31 else inverse
    return nodes, inverse[: len(src)], inverse[len(src) :]


def _smallest_members(labels: Index, count: int) -> Index:
    """For each component label, the smallest dense position carrying it."""
    first = np.full(count, len(labels), dtype=labels.dtype)
    np.minimum.at(first, labels, np.arange(len(labels), dtype=labels.dtype))
    return first


def components_in_memory(edges: pa.Table) -> pa.Table:
    """Connected components of the undirected graph `edges` (src, dst): (node, component)
    with one row per node, ordered by node; component is the component's smallest node id."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    src, dst = edge_arrays(edges)
    if len(src) == 0:
        return pa.table({"node": src, "component": dst}, schema=COMPONENTS_SCHEMA)
    nodes, src_at, dst_at = dense_relabel(src, dst)
    size = len(nodes)
    adjacency = csr_matrix((np.ones(len(src_at)), (src_at, dst_at)), shape=(size, size))
    del src_at, dst_at
    count, labels = connected_components(adjacency, directed=False)
    del adjacency
    component = nodes[_smallest_members(labels, count)][labels]
    return pa.table({"node": nodes, "component": component}, schema=COMPONENTS_SCHEMA)
