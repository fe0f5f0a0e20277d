"""Bulk import on both backends: events, exact money, time zones, rejects, replays, hooks."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Connection, Engine, select

from datong.errors import Invalid, NotFound
from datong.ingest.importer import ImportSummary, import_file, load_mapping
from datong.ingest.log import append
from datong.ingest.tables import events, import_runs
from datong.store.database import insert_ignore
from tests.conftest import Cast

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = "order,member,guest,paid_at,sku,name,qty,price,store,staff\n"
ORDERS = """[event]
name = "Order Completed"
rules = [{ column = "order", starts_with = "R", name = "Order Refunded" }]
[identity]
user_id = "member"
anonymous_id = "guest"
[timestamp]
column = "paid_at"
format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
[money]
currency = "CNY"
[order]
group_by = "order"
[order.products]
product_id = "sku"
name = "name"
quantity = "qty"
price = "price"
[properties]
channel = { value = "store" }
store_id = "store"
staff_id = "staff"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(engine: Engine, tmp_path: Path, data: Path, mapping_text: str, *,
        source: str = "pos", **options: Any) -> ImportSummary:
    mapping = load_mapping(write(tmp_path, "mapping.toml", mapping_text))
    return import_file(engine=engine, source=source, path=data, mapping=mapping,
                       rejects_dir=tmp_path / "rejects", **options)


def stored(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(events).order_by(events.c.id)).mappings()]


def rejects(summary: ImportSummary) -> list[dict[str, str]]:
    assert summary.rejects_path is not None
    with summary.rejects_path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_grouped_orders_become_one_event_each(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "pos.csv", HEADER
                 + "A1,m1,,2024-11-11 10:05,SKU-1,羊毛围巾,1,299.00,SH01,S7\n"
                 + "A1,m1,,2024-11-11 10:05,SKU-2,礼品袋,2,5.5,SH01,S7\n"
                 + "A2,,g9,2024-11-11 11:00,SKU-1,羊毛围巾,1,299,BJ01,S8\n"
                 + "R1,m1,,2024-11-12 09:00,SKU-2,礼品袋,-1,5.50,SH01,S7\n")
    summary = run(engine, tmp_path, data, ORDERS)
    assert (summary.rows_read, summary.events_built, summary.inserted, summary.rejected) == (
        4, 3, 3, 0)
    first, guest, refund = stored(engine)
    assert first["event"] == "Order Completed" and first["user_id"] == "m1"
    assert first["properties"] == {
        "channel": "store", "store_id": "SH01", "staff_id": "S7", "order_id": "A1",
        "total": 31000, "currency": "CNY", "products": [
            {"product_id": "SKU-1", "name": "羊毛围巾", "quantity": 1, "price": 29900},
            {"product_id": "SKU-2", "name": "礼品袋", "quantity": 2, "price": 550}]}
    assert (first["channel"], first["store_code"]) == ("offline", "SH01")
    assert first["context"] == {"import": {"file": "pos.csv", "line": 2, "lines": 2,
                                           "run": summary.run_id}}
    assert guest["user_id"] is None and guest["anonymous_id"] == "g9"
    assert refund["event"] == "Order Refunded" and refund["properties"]["total"] == -550
    assert all(len(e["message_id"]) < 100 for e in (first, guest, refund))


def test_naive_times_are_read_in_the_mapping_zone(engine: Engine, cast: Cast,
                                                  tmp_path: Path) -> None:
    data = write(tmp_path, "t.csv", "id,at\na,2024-11-11 10:05:33\nb,2024-07-01T12:00:00+02:00\n"
                                    "c,2024-06-01 09:00\n")
    summary = run(engine, tmp_path, data, """
[event]
name = "Store Visited"
[identity]
user_id = "id"
[timestamp]
column = "at"
timezone = "Europe/London"
""")
    assert summary.inserted == 3
    times = [e["timestamp"].isoformat() for e in stored(engine)]
    # GMT in winter, the offset as written, British Summer Time in June.
    assert times == ["2024-11-11T10:05:33+00:00", "2024-07-01T10:00:00+00:00",
                     "2024-06-01T08:00:00+00:00"]


def test_epoch_milliseconds(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "t.csv", "id,at\na,1731290733000\n")
    run(engine, tmp_path, data, "[event]\nname = 'Signed Up'\n[identity]\nuser_id = 'id'\n"
                                "[timestamp]\ncolumn = 'at'\nformat = 'epoch_ms'\n")
    assert stored(engine)[0]["timestamp"].isoformat() == "2024-11-11T02:05:33+00:00"


PRICES = """[event]
name = "Product Purchased"
[identity]
user_id = "id"
[money]
currency = "{currency}"
rounding = "{rounding}"
[properties]
price = {{ column = "price", type = "money" }}
"""


@pytest.mark.parametrize(("currency", "rounding", "price", "expected"), [
    ("GBP", "reject", 2.55, 255),
    ("GBP", "reject", 1234567.89, 123456789),
    ("GBP", "reject", -11062.06, -1106206),
    ("GBP", "reject", 0.1 + 0.2, None),  # 0.30000000000000004 is not a price in pence
    ("GBP", "half_up", 0.1 + 0.2, 30),
    ("GBP", "half_up", 2.675, 268),  # the written decimal rounds, not the binary float below it
    ("JPY", "reject", 1500.0, 1500),
    ("KWD", "reject", 1.005, 1005),
])
def test_money_from_floats_is_exact(engine: Engine, cast: Cast, tmp_path: Path, currency: str,
                                    rounding: str, price: float, expected: int | None) -> None:
    data = tmp_path / "prices.parquet"
    pq.write_table(pa.table({"id": ["u1"], "price": [price]}), data)
    summary = run(engine, tmp_path, data, PRICES.format(currency=currency, rounding=rounding))
    if expected is None:
        assert summary.rejected == 1
        assert rejects(summary)[0]["reason"] == (
            "properties.price: 0.30000000000000004 has more than 2 decimal places for GBP")
    else:
        assert stored(engine)[0]["properties"] == {"price": expected, "currency": currency}


def test_money_text_is_parsed_as_decimal(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "p.csv", "id,price\na, 19.99 \nb,.5\nc,3\nd,1e2\ne,1,000.00\nf,2.555\n"
                                    "g,12.500\n")
    summary = run(engine, tmp_path, data, PRICES.format(currency="CNY", rounding="reject"))
    assert [e["properties"]["price"] for e in stored(engine)] == [1999, 50, 300, 1250]
    reasons = {r["line"]: r["reason"] for r in rejects(summary)}
    assert reasons == {
        "5": "properties.price: not an amount: 1e2",
        "6": "has 3 values, the header has 2; extra values: ['000.00']",
        "7": "properties.price: 2.555 has more than 2 decimal places for CNY",
    }


def test_bad_lines_go_to_the_reject_file(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "pos.csv", HEADER
                 + "A1,m1,,2024-11-11 10:05,SKU-1,\"围巾,\n灰色\",1,299.00,SH01,S7\n"
                 + "A2,m2,,yesterday,SKU-1,围巾,1,299.00,SH01,S7\n"
                 + "A2,m2,,2024-11-11 10:07,SKU-2,袋,x,5.50,SH01,S7\n"
                 + "A2,m2,,2024-11-11 10:07,SKU-3,袋,1,5.50,SH01,S7\n"
                 + "A3,,,2024-11-11 10:09,SKU-1,围巾,1,29.9O,SH01,S7\n"
                 + ",m4,,2024-11-11 10:10,SKU-1,围巾,1,1,SH01,S7\n"
                 + "A5,m5,,2024-11-11 10:11,SKU-1,围巾,1,299.00,SH01,S7\n")
    progress: list[tuple[int, int]] = []
    summary = run(engine, tmp_path, data, ORDERS, rejects_path=tmp_path / "bad.csv",
                  progress=lambda done, total: progress.append((done, total)))
    assert progress == [(5, 7), (7, 7)]
    assert summary.rejects_path == tmp_path / "bad.csv"
    assert (summary.rows_read, summary.events_built, summary.rejected) == (7, 2, 5)
    assert [e["properties"]["order_id"] for e in stored(engine)] == ["A1", "A5"]
    rows = rejects(summary)
    assert [(r["file"], r["line"], r["field"]) for r in rows] == [
        (str(data), "4", "paid_at"), (str(data), "5", "qty"), (str(data), "6", "order"),
        (str(data), "7", "price; member+guest"), (str(data), "8", "order"),
    ]
    assert rows[0]["reason"] == ("timestamp: not a time in the format %Y-%m-%d %H:%M: yesterday")
    assert rows[1]["reason"] == "order.products.quantity: not a whole number: x"
    assert rows[2]["reason"] == "order.group_by: the order A2 is rejected with its bad line(s) 4, 5"
    assert rows[3]["reason"] == ("order.products.price: not an amount: 29.9O; "
                                 "identity: no user_id and no anonymous_id")
    assert rows[4]["reason"] == "order.group_by: is empty"
    assert (rows[0]["order"], rows[0]["paid_at"], rows[0]["name"]) == ("A2", "yesterday", "围巾")


def test_reimporting_a_file_adds_nothing(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "pos.csv", HEADER
                 + "A1,m1,,2024-11-11 10:05,SKU-1,围巾,1,299.00,SH01,S7\n"
                 + "A2,m2,,2024-11-11 10:06,SKU-1,围巾,1,299.00,SH01,S7\n")
    first = run(engine, tmp_path, data, ORDERS)
    again = run(engine, tmp_path, data, ORDERS)
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (again.events_built, again.inserted, again.duplicates) == (2, 0, 2)
    assert len(stored(engine)) == 2
    with engine.connect() as conn:
        runs = conn.execute(select(import_runs).order_by(import_runs.c.id)).mappings().all()
    assert [(r["rows_read"], r["events_inserted"], r["duplicates"]) for r in runs] == [
        (2, 2, 0), (2, 0, 2)]
    assert runs[0]["finished_at"] is not None and len(runs[0]["file_sha256"]) == 64
    assert runs[0]["mapping"]["order"]["group_by"] == "order"


def test_identical_lines_are_counted_not_merged(engine: Engine, cast: Cast,
                                                tmp_path: Path) -> None:
    text = ("id,at,sku\nu1,2024-01-01 10:00:00,A\nu1,2024-01-01 10:00:00,A\n"
            "u2,2024-01-01 10:00:00,A\n")
    mapping = ("[event]\nname = 'Product Viewed'\n[identity]\nuser_id = 'id'\n[timestamp]\n"
               "column = 'at'\n[properties]\nproduct_id = 'sku'\n")
    first = run(engine, tmp_path, write(tmp_path, "v.csv", text), mapping, source="app")
    assert first.inserted == 3
    ids = [e["message_id"] for e in stored(engine)]
    assert ids[1] == ids[0] + "-1" and len(set(ids)) == 3
    longer = write(tmp_path, "v2.csv", text + "u1,2024-01-01 10:00:00,A\n")
    second = run(engine, tmp_path, longer, mapping, source="app")
    assert (second.inserted, second.duplicates) == (1, 3)
    assert stored(engine)[-1]["message_id"] == ids[0] + "-2"


def test_hooks_see_only_new_rows_with_their_ids(engine: Engine, cast: Cast,
                                                tmp_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    def hook(db: Connection, rows: list[dict[str, Any]]) -> None:
        seen.extend(rows)

    data = write(tmp_path, "pos.csv", HEADER
                 + "A1,m1,,2024-11-11 10:05,SKU-1,围巾,1,299.00,SH01,S7\n")
    run(engine, tmp_path, data, ORDERS, hooks=[hook])
    run(engine, tmp_path, data, ORDERS, hooks=[hook])
    assert len(seen) == 1
    assert seen[0]["id"] == stored(engine)[0]["id"]
    assert seen[0]["properties"]["total"] == 29900 and seen[0]["user_id"] == "m1"


def test_small_chunks_give_the_same_result(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    lines = "".join(f"A{i},m{i},,2024-11-11 10:05,SKU-1,围巾,1,1.00,SH01,S7\n" for i in range(250))
    summary = run(engine, tmp_path, write(tmp_path, "pos.csv", HEADER + lines), ORDERS,
                  chunk_size=100)
    assert summary.inserted == 250
    assert [e["properties"]["order_id"] for e in stored(engine)] == [f"A{i}" for i in range(250)]


def test_the_pos_example(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    mapping = load_mapping(EXAMPLES / "pos_export.toml")
    summary = import_file(engine=engine, source="pos", path=EXAMPLES / "pos_export.csv",
                          mapping=mapping, rejects_dir=tmp_path)
    assert (summary.rows_read, summary.events_built, summary.rejected) == (7, 4, 2)
    assert [(r["line"], r["field"]) for r in rejects(summary)] == [
        ("7", "unit_price"), ("8", "receipt_no")]
    silk = stored(engine)[2]
    assert silk["properties"]["products"][0]["name"] == "真丝衬衫\n（礼盒装）"
    assert silk["context"]["import"]["line"] == 5 and silk["traits"] == {"phone": "13800138001"}
    assert silk["timestamp"].isoformat() == "2024-11-11T11:45:10+00:00"


def test_unknown_source_and_column(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "pos.csv", HEADER)
    with pytest.raises(NotFound):
        run(engine, tmp_path, data, ORDERS, source="nope")
    with pytest.raises(Invalid, match=r"mapping.toml: properties.staff_id: no column 'clerk'"):
        run(engine, tmp_path, data, ORDERS.replace('staff_id = "staff"', 'staff_id = "clerk"'))


def test_fast_append_stores_what_sqlalchemy_stores(engine: Engine, cast: Cast) -> None:
    """The log's driver-level fast path must leave rows indistinguishable from SQLAlchemy's."""
    when = datetime(2024, 11, 11, 10, 5, 33, 120000, tzinfo=timezone(timedelta(hours=8)))
    row = {"source_id": 1, "message_id": "m", "type": "track", "event": "Order Completed",
           "user_id": "u1", "anonymous_id": None, "channel": "online", "store_code": None,
           "timestamp": when, "original_timestamp": when, "sent_at": None,
           "received_at": datetime(2024, 11, 12, tzinfo=UTC), "properties": {"中文": [1, 2.5]},
           "traits": None, "context": {"import": {"line": 2}}, "extra": None}
    with engine.begin() as db:
        plain = insert_ignore(db, events, [row], returning=("message_id",))
        fast = append(db=db, rows=[row, {**row, "message_id": "n"}])
    assert [r.message_id for r in plain] == ["m"] and fast.inserted == {(1, "n")}
    first, second = stored(engine)
    assert {k: v for k, v in first.items() if k not in ("id", "message_id")} == {
        k: v for k, v in second.items() if k not in ("id", "message_id")}
    assert second["timestamp"] == when and second["properties"] == {"中文": [1, 2.5]}
    with engine.connect() as conn:  # on SQLite times compare as text: the format must match
        same = conn.execute(select(events.c.id).where(events.c.timestamp == when)).all()
        null_traits = conn.execute(select(events.c.id).where(events.c.traits.is_(None))).all()
    assert len(same) == 2 and len(null_traits) in (0, 2)


def test_orders_keyed_by_store_and_receipt(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    mapping = ORDERS.replace('group_by = "order"', 'group_by = ["store", "order"]\n'
                             'id = { template = "{store}-{order}" }')
    data = write(tmp_path, "pos.csv", HEADER
                 + "0001,m1,,2024-11-11 10:05,SKU-1,围巾,1,10,SH01,S7\n"
                 + "0001,m2,,2024-11-11 10:06,SKU-1,围巾,2,10,BJ01,S8\n"
                 + "0001,m1,,2024-11-11 10:05,SKU-2,袋,1,1,SH01,S7\n")
    summary = run(engine, tmp_path, data, mapping)
    assert (summary.events_built, summary.inserted) == (2, 2)
    assert [(e["properties"]["order_id"], e["properties"]["total"], e["context"]["import"]["line"])
            for e in stored(engine)] == [("SH01-0001", 1100, 2), ("BJ01-0001", 2000, 3)]


def test_one_order_per_line_without_group_by(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    mapping = ORDERS.replace('group_by = "order"', 'id = "order"')
    data = write(tmp_path, "pos.csv", HEADER
                 + "A1,m1,,2024-11-11 10:05,SKU-1,围巾,3,2.50,SH01,S7\n"
                 + "A1,m1,,2024-11-11 10:05,SKU-2,袋,1,1,SH01,S7\n")
    run(engine, tmp_path, data, mapping)
    assert [(e["properties"]["products"], e["properties"]["total"]) for e in stored(engine)] == [
        ([{"product_id": "SKU-1", "name": "围巾", "quantity": 3, "price": 250}], 750),
        ([{"product_id": "SKU-2", "name": "袋", "quantity": 1, "price": 100}], 100)]


def test_a_customer_list_as_identify_calls(engine: Engine, cast: Cast, tmp_path: Path) -> None:
    data = write(tmp_path, "members.csv", "card,phone,vip,joined\nM1,13912345678,是,2024-01-02\n"
                                          "M2,,否,2024-02-03\nM3,,maybe,2024-02-04\n")
    summary = run(engine, tmp_path, data, """
[event]
type = "identify"
[identity]
user_id = "card"
[timestamp]
column = "joined"
timezone = "Asia/Shanghai"
[traits]
phone = "phone"
vip = { column = "vip", type = "boolean" }
source = { value = "门店会员导入" }
""", source="app")
    assert (summary.inserted, summary.rejected) == (2, 1)
    first, second = stored(engine)
    assert (first["type"], first["event"], first["properties"]) == ("identify", None, None)
    assert first["traits"] == {"phone": "13912345678", "vip": True, "source": "门店会员导入"}
    assert second["traits"] == {"vip": False, "source": "门店会员导入"}
    assert first["timestamp"].isoformat() == "2024-01-01T16:00:00+00:00"  # a date: midnight
    assert rejects(summary)[0]["reason"] == "traits.vip: not true or false: maybe"
