"""Points from a POS file imported with `datong import` (a separate process, as a user runs
it), on SQLite and PostgreSQL: each order earns once, however often the file is imported,
not once per import, and a refund receipt reverses the points of the sale it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.loyalty.tables import orders
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.loyalty_helpers import check_books, enrol
from tests.test_import_cli import EXAMPLES, datong

PHONE = "13912345678"
HEADER = ("receipt_no,type,orig_receipt_no,store_code,staff_id,member_id,member_phone,paid_at,sku,"
          "product_name,qty,unit_price,payment")


def _till_time(days_ago: int) -> str:
    """A Shanghai till's clock, `days_ago` days back (the mapping reads it as local time)."""
    return (datetime.now(UTC) + timedelta(hours=8, days=-days_ago)).strftime("%Y-%m-%d %H:%M:%S")


def _export(path: Path) -> Path:
    """Two receipts of the member (one old enough to be spendable, one still in its return
    window), a walk-in's receipt, and a refund receipt of one gift bag of the first sale
    (its own number, the sale's in orig_receipt_no, a negative quantity as tills print)."""
    old, recent = _till_time(30), _till_time(1)
    lines = [
        HEADER,
        f"SH01-A-0001,sale,,SH01,S007,M000123,{PHONE},{old},SKU-1001,羊毛围巾,1,299.00,wechat",
        f'SH01-A-0001,sale,,SH01,S007,M000123,{PHONE},{old},SKU-2003,"礼品袋, 大号",2,5.50,wechat',
        f"SH01-A-0002,sale,,SH01,S012,,,{old},SKU-1002,羊绒毛衣,1,899,alipay",
        f"SH01-A-0003,sale,,SH01,S007,M000123,{PHONE},{recent},SKU-1002,羊绒毛衣,1,100.00,card",
        f'SH01-R-0001,refund,SH01-A-0001,SH01,S007,M000123,{PHONE},{recent},SKU-2003,'
        f'"礼品袋, 大号",-1,5.50,wechat',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _points(client: TestClient, cast: Cast, member: object) -> dict[str, int]:
    r = client.get(f"/api/v1/members/{member}", headers=auth(cast.admin_token))
    return dict(r.json()["points"])


def _import(settings: Settings, export: Path, source: str = "pos") -> str:
    result = datong(settings, "import", str(export), "--source", source,
                    "--mapping", str(EXAMPLES / "pos_export.toml"))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_imported_pos_file_earns_once_however_often_it_is_imported(
        client: TestClient, cast: Cast, engine: Engine, settings: Settings,
        tmp_path: Path) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    export = _export(tmp_path / "till.csv")
    first = _import(settings, export)
    assert "inserted" in first
    # ¥310 thirty days ago is spendable, less the 5 points of the ¥5.50 refunded yesterday;
    # ¥100 yesterday is still pending (the return window is 7 days). The walk-in earns
    # nothing for anyone.
    expected = {"balance": 305, "spendable": 305, "held": 0, "pending": 100, "debt": 0}
    assert _points(client, cast, member["id"]) == expected
    again = _import(settings, export)
    summary = {line.strip("│ ").split("│")[0].strip(): line.strip("│ ").split("│")[-1].strip()
               for line in again.splitlines() if line.count("│") == 3}
    assert summary["inserted"] == "0" and summary["duplicates skipped"] == "4", again
    assert _points(client, cast, member["id"]) == expected
    # the same receipts from another source (a second till export): new events, no points
    assert datong(settings, "sources", "add", "pos-backup", "--channel", "offline"
                  ).returncode == 0
    assert "│ inserted           │    4 │" in _import(settings, export, "pos-backup")
    assert _points(client, cast, member["id"]) == expected
    with engine.connect() as db:
        earned = db.execute(select(orders.c.order_id, orders.c.points, orders.c.refunded)
                            .order_by(orders.c.order_id)).all()
    assert [tuple(r) for r in earned] == [("SH01-A-0001", 310, 550), ("SH01-A-0003", 100, 0)]
    check_books(engine)
