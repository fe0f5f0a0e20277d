"""CSV exports into Arrow, each record tagged with the physical line it starts on.

Two ways, same result. Arrow's reader is fast, and exact whenever every record is one line
and no line is blank: the file's line count proves it. Otherwise (a quoted value with line
breaks, blank lines, records of the wrong width, text Arrow will not decode) the stdlib's C
tokenizer reads it chunk by chunk: it knows line numbers and every Python codec, e.g. gb18030
for Chinese Excel exports, and the rest is column-wise Arrow work.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from itertools import compress, islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from datong.errors import Invalid
from datong.ingest.importer.arrays import LINE, int_array, string_array
from datong.ingest.importer.mapping import FileOptions

CHUNK_RECORDS = 50_000
_BREAK = r"\r\n|\r|\n"


@dataclass(frozen=True)
class Broken:
    """A CSV record that is not a row: it has more or fewer values than the header."""

    line: int
    values: list[str]
    reason: str


def read_csv(path: Path, options: FileOptions) -> tuple[pa.Table, list[Broken]]:
    """The file's records as string columns plus `__line`; records of the wrong width apart."""
    names, header_lines = _read_header(path, options)
    table = _read_simple(path, options, names, header_lines)
    if table is not None:
        return table, []
    return _read_exact(path, options)


def _python_encoding(options: FileOptions) -> str:
    if options.encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return "utf-8-sig"  # Excel's byte-order mark is not part of the first column name
    return options.encoding


def _read_header(path: Path, options: FileOptions) -> tuple[list[str], int]:
    with path.open(newline="", encoding=_python_encoding(options)) as fh:
        reader = csv.reader(fh, delimiter=options.delimiter, quotechar=options.quote)
        try:
            return _header(path, next(reader, None)), reader.line_num
        except (UnicodeDecodeError, csv.Error):
            return [], 0  # the exact reader says what is wrong, with the line


def _read_simple(path: Path, options: FileOptions, names: list[str],
                 header_lines: int) -> pa.Table | None:
    """Arrow's reader, or None when the file is not one record per line without blanks."""
    if header_lines != 1:
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           encoding=options.encoding),
            parse_options=pacsv.ParseOptions(delimiter=options.delimiter,
                                              quote_char=options.quote, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeError, LookupError):
        return None
    if _physical_lines(path) != 1 + table.num_rows:  # a blank line, or a record over several
        return None
    table = table.append_column(LINE, int_array(np.arange(2, table.num_rows + 2)))
    return table.filter(_has_values(table.columns[:-1]))


def _physical_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")  # the last line may lack its line break


def _read_exact(path: Path, options: FileOptions) -> tuple[pa.Table, list[Broken]]:
    with path.open(newline="", encoding=_python_encoding(options)) as fh:
        reader = csv.reader(fh, delimiter=options.delimiter, quotechar=options.quote)
        try:
            names = _header(path, next(reader, None))
            chunks, broken = [], []
            end = reader.line_num
            while records := list(islice(reader, CHUNK_RECORDS)):
                table, bad = _chunk(path, records, names, end, reader.line_num)
                end = reader.line_num
                chunks.append(table)
                broken += bad
        except UnicodeDecodeError:
            raise Invalid(f"{path}: line {_undecodable_line(path, options)} is not valid "
                          f"{options.encoding}; set file.encoding in the mapping (e.g. gb18030)",
                          field="file.encoding") from None
        except csv.Error as exc:
            raise Invalid(f"{path}: line {reader.line_num}: {exc}", field="file") from None
    schema = pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field(LINE, pa.int64())])
    return pa.Table.from_batches([b for t in chunks for b in t.to_batches()], schema), broken


def _undecodable_line(path: Path, options: FileOptions) -> int:
    """The first line that does not decode (the text reader decodes blocks, not lines)."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode(_python_encoding(options))
            except UnicodeDecodeError:
                return number
    return 1


def _header(path: Path, header: list[str] | None) -> list[str]:
    if not header:
        raise Invalid(f"{path}: the file is empty; line 1 must be the header", field="file")
    # Excel adds nameless columns after the data; they still need a name to be addressed.
    names = [name.strip() or f"column{i}" for i, name in enumerate(header, start=1)]
    check_names(path, names)
    return names


def check_names(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen or name == LINE:
            raise Invalid(f"{path}: the column name {name!r} is used twice or reserved",
                          field="file")
        seen.add(name)


def _chunk(path: Path, records: list[list[str]], names: list[str], before: int,
           last: int) -> tuple[pa.Table, list[Broken]]:
    """Records read after line `before` up to line `last` → a string table with the line each
    record starts on, and the records of the wrong width."""
    lengths = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    fits = lengths == len(names)
    good = records if fits.all() else list(compress(records, fits))
    columns = zip(*good, strict=True) if good else ([] for _ in names)
    arrays = [string_array(column) for column in columns]
    breaks = np.zeros(len(records), dtype=np.int64)
    if last - before != len(records):  # some value holds a line break: find which
        if good:
            breaks[fits] = sum(_breaks(a) for a in arrays)
        for i in np.flatnonzero(~fits):
            breaks[i] = sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in records[i])
    starts = before + 1 + np.arange(len(records)) + np.cumsum(breaks) - breaks
    if starts[-1] + breaks[-1] != last:  # our count must agree with the parser's
        raise Invalid(f"{path}: line {last}: cannot number the lines of this file", field="file")
    table = pa.Table.from_arrays([*arrays, int_array(starts[fits])], names=[*names, LINE])
    broken = [
        Broken(int(starts[i]), records[i], f"has {lengths[i]} values, the header has {len(names)}")
        for i in np.flatnonzero(~fits & (lengths > 0))
    ]
    return (table.filter(_has_values(arrays)) if good else table), broken


def _breaks(array: pa.Array) -> np.ndarray:
    counts = pc.count_substring_regex(array, _BREAK)  # int32, never null: CSV values never are
    # Read from the buffer: to_numpy() makes pyarrow import pandas on its first call.
    return np.frombuffer(counts.buffers()[1], dtype=np.int32, count=len(counts),
                         offset=counts.offset * 4)


def _has_values(arrays: list[pa.Array]) -> pa.Array:
    """False for records whose values are all blank (Excel's trailing `,,,,` lines)."""
    filled = [pc.cast(pc.binary_length(pc.ascii_trim_whitespace(a)), pa.bool_()) for a in arrays]
    mask = filled[0]
    for more in filled[1:]:
        mask = pc.or_(mask, more)
    return mask
