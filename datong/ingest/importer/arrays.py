"""Arrow arrays built from their buffers.

pa.array() would do, but its first call (and any Python scalar handed to a compute function)
makes pyarrow import pandas: seconds on a small machine, more than a small file takes to import.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

LINE = "__line"  # the column holding each row's line (CSV) or row number (Parquet)


def int_array(values: np.ndarray) -> pa.Array:
    """int64 values as an Arrow array, from the buffer (pa.array would import pandas)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def string_array(values: Sequence[str]) -> pa.Array:
    """Strings without NUL as an Arrow array: NUL separates the values while numpy finds the
    offsets (the csv module refuses NUL bytes, so CSV values never hold one)."""
    joined = np.frombuffer("\0".join(values).encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(joined == 0)
    offsets = np.empty(len(values) + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:-1] = ends - np.arange(len(ends))
    offsets[-1] = len(joined) - len(ends)
    data = joined[joined != 0]
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), len(values), buffers)
