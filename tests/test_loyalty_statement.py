"""The points statement a page at a time, over the API and `datong loyalty statement`, on
SQLite and PostgreSQL: every entry exactly once, newest first, until `next_cursor` is null."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from datong.loyalty.tables import entries
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.loyalty_helpers import enrol, order, track
from tests.test_cli_admin import run

PHONE = "13812345678"


def _member_with_entries(client: TestClient, cast: Cast, orders: int) -> dict[str, Any]:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key,
          *(order(f"WEB-{n}", 1_000 * (n + 1), phone=PHONE) for n in range(orders)))
    return member


def _page(client: TestClient, cast: Cast, member: object, **params: Any) -> Any:
    return client.get(f"/api/v1/members/{member}/statement", params=params,
                      headers=auth(cast.admin_token))


def test_the_api_pages_through_every_entry_once(client: TestClient, cast: Cast,
                                                engine: Engine) -> None:
    member = _member_with_entries(client, cast, 7)
    with engine.connect() as db:
        expected = list(db.execute(select(entries.c.id).where(
            entries.c.member_id == member["id"]).order_by(entries.c.id.desc())).scalars())
    assert len(expected) >= 7
    seen: list[int] = []
    cursor = None
    for _ in range(len(expected)):
        r = _page(client, cast, member["member_no"], limit=3,
                  **({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        body = r.json()
        assert 1 <= len(body["data"]) <= 3
        seen += [e["id"] for e in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected  # newest first, nothing twice, nothing missing
    whole = _page(client, cast, member["id"], limit=len(expected)).json()
    assert whole["next_cursor"] is None and [e["id"] for e in whole["data"]] == expected
    last = _page(client, cast, member["id"], cursor=str(expected[-1])).json()
    assert last["data"] == [] and last["next_cursor"] is None
    for bad in ({"limit": 0}, {"limit": 501}, {"cursor": "abc"}, {"cursor": "-1"}):
        r = _page(client, cast, member["id"], **bad)
        assert r.status_code == 400 and r.json()["error"]["field"] in bad, (bad, r.text)


def test_the_cli_prints_the_next_cursor_and_follows_it(client: TestClient, cast: Cast,
                                                       engine: Engine,
                                                       settings: Settings) -> None:
    member = _member_with_entries(client, cast, 3)
    env = {"DATONG_DATA_DIR": str(settings.data_dir),
           "DATONG_DATABASE_URL": settings.database_url, "DATONG_ENV": "test",
           "COLUMNS": "200"}
    with engine.connect() as db:
        total = db.execute(select(func.count()).select_from(entries).where(
            entries.c.member_id == member["id"])).scalar_one()
    shown: list[str] = []
    args = ["loyalty", "statement", PHONE, "--limit", "2"]
    for _ in range(total):
        code, out = run(env, *args)
        assert code == 0, out
        shown += [line.split("│")[1].strip() for line in out.splitlines()
                  if line.startswith("│") and line.split("│")[1].strip().isdigit()]
        more = [line for line in out.splitlines() if line.startswith("older entries:")]
        if not more:
            break
        args = ["loyalty", "statement", member["member_no"], "--limit", "2", "--cursor",
                more[0].split("--cursor", 1)[1].strip()]
    assert len(shown) == total and len(set(shown)) == total
    assert [int(i) for i in shown] == sorted((int(i) for i in shown), reverse=True)
