"""Reading exports: physical line numbers, encodings, odd CSV shapes, Parquet row numbers."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datong.errors import Invalid
from datong.ingest.importer.mapping import FileOptions
from datong.ingest.importer.reader import read_file


def read(tmp_path: Path, data: bytes, name: str = "x.csv", **options: str) -> tuple[
        list[dict[str, object]], list[tuple[int, str]]]:
    path = tmp_path / name
    path.write_bytes(data)
    loaded = read_file(path, FileOptions(**options))
    return loaded.table.to_pylist(), [(b.line, b.reason) for b in loaded.broken]


def test_one_record_per_line(tmp_path: Path) -> None:
    rows, broken = read(tmp_path, b"a,b\n1,x\n2, y \n,\n3,\n")
    assert rows == [{"a": "1", "b": "x", "__line": 2}, {"a": "2", "b": " y ", "__line": 3},
                    {"a": "3", "b": "", "__line": 5}]  # line 4 has no values: skipped
    assert broken == []


def test_line_breaks_in_values_blank_lines_and_ragged_records(tmp_path: Path) -> None:
    data = (b'a,b\n1,"x\ny"\n\n2,z\n3\n4,5,6\n"q""r",s\r\n5,"1\r\n2\r\n3"\n6,end')
    rows, broken = read(tmp_path, data)
    assert [(r["a"], r["__line"]) for r in rows] == [
        ("1", 2), ("2", 5), ('q"r', 8), ("5", 9), ("6", 12)]
    assert rows[0]["b"] == "x\ny" and rows[3]["b"] == "1\r\n2\r\n3"
    assert broken == [(6, "has 1 values, the header has 2"),
                      (7, "has 3 values, the header has 2")]


def test_a_simple_file_and_its_awkward_twin_agree(tmp_path: Path) -> None:
    simple = "id,名称,金额\n" + "".join(f"{i},商品{i},{i}.50\n" for i in range(1000))
    awkward = simple.replace("id,名称,金额\n", "id,名称,金额\n\n")  # a blank line 2
    fast, _ = read(tmp_path, simple.encode(), "fast.csv")
    exact, _ = read(tmp_path, awkward.encode(), "exact.csv")
    assert [r["__line"] for r in fast] == list(range(2, 1002))
    assert [{**r, "__line": r["__line"] - 1} for r in exact] == fast


def test_encodings_and_dialects(tmp_path: Path) -> None:
    text = "门店;商品\nSH01;羊毛围巾\n"
    assert read(tmp_path, text.encode("gb18030"), encoding="gb18030", delimiter=";")[0] == [
        {"门店": "SH01", "商品": "羊毛围巾", "__line": 2}]
    assert read(tmp_path, b"\xef\xbb\xbfa,b\n1,2\n")[0] == [{"a": "1", "b": "2", "__line": 2}]
    rows, _ = read(tmp_path, b"a,,c\n1,2,3\n")
    assert list(rows[0]) == ["a", "column2", "c", "__line"]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "the file is empty"),
    (b"a,a\n1,2\n", "used twice"),
    (b"a,b\n1,2\n3,\xff\n", "line 3 is not valid utf-8"),
])
def test_unreadable_files(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        read(tmp_path, data)


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"a": ["x", "y"], "n": [1.5, None]}), path)
    loaded = read_file(path, FileOptions())
    assert loaded.table.column("__line").to_pylist() == [1, 2]
    assert loaded.columns == ["a", "n"] and loaded.rows_read == 2
    with pytest.raises(Invalid, match="not a readable Parquet file"):
        read_file(Path(__file__), FileOptions(format="parquet"))
