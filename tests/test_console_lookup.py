"""Finding the customer in the console over real HTTP, on SQLite and PostgreSQL: by the datong
member number and the rotating member code (valid, expired) on the customers page and at the
counter; checking a reservation in at the counter; the match-suggestion queue's routes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.loyalty import service as loyalty
from datong.settings import Settings
from datong.store.types import utcnow
from tests.conftest import Cast, auth
from tests.console import make_staff, post_form, send, sign_in
from tests.test_identity_suggestions import ONLINE, OTHERS, STORE


def _member(client: TestClient, cast: Cast, phone: str, name: str) -> dict[str, Any]:
    r = client.post("/api/v1/members", headers=auth(cast.admin_token),
                    json={"phone": phone, "name": name, "store": "SH01"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _code(engine: Engine, settings: Settings, member_id: int, *, ago: timedelta) -> str:
    with engine.connect() as db:
        shown = loyalty.member_code(db=db, settings=settings, member_id=member_id,
                                    now=utcnow() - ago)
    return str(shown["code"])


def _flash(client: TestClient, response: Any) -> str:
    page = client.get(response.headers["location"]).text
    found = re.search(r'class="flash flash-\w+" role="\w+">([^<]*)<', page)
    assert found, page[:400]
    return found.group(1)


def test_search_finds_a_member_by_number_and_by_the_code_the_app_shows(
    client: TestClient, engine: Engine, settings: Settings, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    member = _member(client, cast, "13955551234", "周敏")
    _member(client, cast, "13955554321", "吴昊")
    number = member["member_no"]
    assert re.fullmatch(r"M\d{9}", number)
    sign_in(client, staff.marketer)
    for query in (number, number.lower(), f" {number} ",
                  _code(engine, settings, member["id"], ago=timedelta(0))):
        page = client.get("/console/customers", params={"q": query}).text
        results = page.split('id="results"', 1)[1].split("</table>", 1)[0]
        assert "周敏" in results and "吴昊" not in results, query
        assert number in results, query  # the member number column shows it
    expired = _code(engine, settings, member["id"], ago=timedelta(hours=2))
    page = client.get("/console/customers", params={"q": expired}).text
    assert 'id="search-refused"' in page and "会员码已过期或无效" in page
    assert "没有匹配的客户" not in page
    unknown = client.get("/console/customers", params={"q": "M999999999"}).text
    assert "没有匹配的客户" in unknown


def test_counter_finds_a_member_by_the_rotating_code_and_says_when_it_expired(
    client: TestClient, engine: Engine, settings: Settings, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    member = _member(client, cast, "13955551234", "周敏")
    sign_in(client, staff.clerk_a)
    page = client.get("/console/counter",
                      params={"q": _code(engine, settings, member["id"], ago=timedelta(0))})
    assert page.status_code == 200
    assert f'id="member-no">{member["member_no"]}<' in page.text and "周敏" in page.text
    assert 'id="tier">普通<' in page.text

    for stale in (_code(engine, settings, member["id"], ago=timedelta(hours=2)),
                  "9" + "0" * 17):  # expired, and mistyped
        page = client.get("/console/counter", params={"q": stale})
        assert page.status_code == 400
        refused = page.text.split('id="lookup-refused">', 1)[1].split("<", 1)[0]
        assert refused == "会员码已过期或无效，请让顾客在 App 里刷新后再出示。"
        assert 'id="not-found"' not in page.text and 'id="enrol"' not in page.text
    english = client.get("/console/counter", params={"q": "9" + "0" * 17, "lang": "en"})
    assert "The member code has expired or is not valid" in english.text
    nobody = client.get("/console/counter", params={"q": "13900000000", "lang": "zh-CN"})
    assert nobody.status_code == 404 and 'id="not-found"' in nobody.text


def _slot(client: TestClient, cast: Cast, store: str, starts_in: timedelta) -> int:
    r = client.post("/api/v1/reservations/experiences", headers=auth(cast.marketer_token),
                    json={"store": store, "name": f"肌肤测试 {store}"})
    assert r.status_code == 201, r.text
    start = datetime.now(UTC) + starts_in
    r = client.post(f"/api/v1/reservations/experiences/{r.json()['id']}/slots",
                    headers=auth(cast.marketer_token), json={"slots": [{
                        "starts_at": start.isoformat(),
                        "ends_at": (start + timedelta(minutes=30)).isoformat(),
                        "capacity": 4}]})
    assert r.status_code == 201, r.text
    return int(r.json()["data"][0]["id"])


def _book(client: TestClient, cast: Cast, slot: int, person: str) -> str:
    r = client.post("/api/v1/reservations", headers=auth(cast.marketer_token),
                    json={"slot_id": slot, "person": person})
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def test_counter_checks_a_reservation_in_or_says_why_not(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    send(client, cast.app_key, {"type": "identify", "userId": "u-8",
                                "traits": {"phone": "13955558888", "name": "郑洁"}})
    person = "phone:+8613955558888"
    soon = _book(client, cast, _slot(client, cast, "SH01", timedelta(minutes=10)), person)
    later = _book(client, cast, _slot(client, cast, "SH01", timedelta(days=2)), person)
    beijing = _book(client, cast, _slot(client, cast, "BJ01", timedelta(minutes=10)), person)
    sign_in(client, staff.clerk_a)
    page = "/console/counter?q=13955558888"
    assert "肌肤测试 SH01" in client.get(page).text  # the upcoming bookings are listed

    r = post_form(client, page, "/console/counter/checkin", q="13955558888", code=soon)
    assert r.status_code == 303 and r.headers["location"] == page
    assert re.fullmatch(r"已签到：肌肤测试 SH01（\d\d:\d\d）。", _flash(client, r))
    r = post_form(client, page, "/console/counter/checkin", q="13955558888", code=soon)
    assert _flash(client, r) == "这个预约现在不能签到或取消。 预约状态：已签到。"
    r = post_form(client, page, "/console/counter/checkin", q="13955558888", code=later)
    said = _flash(client, r)
    assert said.startswith("还没到签到时间。 开始前 30 分钟开放签到，即 ") and "UTC" not in said
    r = post_form(client, page, "/console/counter/checkin", q="13955558888", code=beijing)
    assert _flash(client, r) == "这属于其他门店，本店不能办理。 这是门店 BJ01 的预约。"
    r = post_form(client, page, "/console/counter/checkin", q="13955558888", code="ABC")
    assert _flash(client, r).startswith("码有误")
    r = post_form(client, page, "/console/counter/checkin", code=later, store="BJ01")
    assert _flash(client, r) == "这属于其他门店，本店不能办理。"  # the form's store tampered


def test_match_suggestions_are_scored_accepted_and_rejected_from_the_console(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    other_online = {**ONLINE, "userId": "u-101", "traits": {
        "name": "张伟", "phone": "13811112222", "birthday": "1988-07-08",
        "address": {"city": "北京市", "street": "朝阳区建国路8号"}}}
    other_store = {**STORE, "anonymousId": "pos-cust-201", "traits": {
        "member_id": "M-201", "name": "张伟", "phone": "138****2222",
        "birthday": "1988-07-08", "city": "北京"}}
    send(client, cast.app_key, ONLINE, other_online, *OTHERS)
    send(client, cast.pos_key, STORE, other_store)
    sign_in(client, staff.admin)
    assert 'class="card suggestion"' not in client.get("/console/suggestions").text
    r = post_form(client, "/console/suggestions", "/console/suggestions/run")
    assert r.status_code == 303 and _flash(client, r) == "计算完成：2 对疑似，2 对新增。"
    queue = client.get("/console/suggestions").text
    pairs = re.findall(r'<section class="card suggestion" data-id="(\d+)">', queue)
    assert len(pairs) == 2 and "王小明" in queue and "张伟" in queue
    first, second = pairs

    r = post_form(client, "/console/suggestions", f"/console/suggestions/{first}/accept")
    merged = re.fullmatch(r"已合并，保留客户 #(\d+)。", _flash(client, r))
    assert merged
    r = post_form(client, "/console/suggestions", f"/console/suggestions/{second}/reject")
    assert _flash(client, r) == "已标记为不同的人。"
    r = post_form(client, "/console/suggestions", f"/console/suggestions/{second}/accept")
    assert _flash(client, r) == "这条建议已经处理过了。"  # decided once, for good
    r = post_form(client, "/console/suggestions", "/console/suggestions/999999/reject")
    assert _flash(client, r).startswith("没有找到你要的内容")
    assert 'class="card suggestion"' not in client.get("/console/suggestions").text
    accepted = client.get("/console/suggestions", params={"status": "accepted"}).text
    assert f'data-id="{first}"' in accepted
    rejected = client.get("/console/suggestions", params={"status": "rejected"}).text
    assert f'data-id="{second}"' in rejected
    person = client.get(f"/console/customers/{merged.group(1)}").text
    assert "M-20" in person and "u-10" in person  # the store card and the app account
    r = post_form(client, "/console/suggestions", "/console/suggestions/run")
    assert _flash(client, r) == "计算完成：1 对疑似，0 对新增。"  # the rejected pair stays so
    assert 'class="card suggestion"' not in client.get("/console/suggestions").text

    client.cookies.clear()
    sign_in(client, staff.marketer)
    r = post_form(client, "/console/customers", "/console/suggestions/run")
    assert r.status_code == 403  # admins only
