"""The console's pages over real HTTP with real data: overview figures from the analytics
engine, search and the customer 360 with tags and unmerge, the counter, the admin pages."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.settings import Settings
from tests.conftest import Cast
from tests.console import (
    BASE,
    at,
    make_staff,
    omnichannel_customer,
    post_form,
    send,
    sign_in,
    sync,
)


def _kpi(html: str, kpi: str) -> str:
    found = re.search(rf'id="kpi-{kpi}">([^<]*)<', html)
    assert found, kpi
    return found.group(1)


def _mix(html: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-mix="(\w+)">.*?<td class="num">([\d,]+)</td>', html, re.S)
    return {k: int(v.replace(",", "")) for k, v in rows}


def _person_page(client: TestClient, phone: str) -> str:
    found = re.search(r'href="(/console/customers/\d+)"',
                      client.get("/console/customers", params={"q": phone}).text)
    assert found, phone
    return found.group(1)


def _range() -> dict[str, str]:
    return {"since": str(BASE.date() - timedelta(days=1)),
            "until": str(BASE.date() + timedelta(days=8))}


def test_overview_counts_customers_by_channel_and_revenue_per_channel(
    client: TestClient, engine: Engine, settings: Settings, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    sync(engine, settings)
    sign_in(client, staff.marketer)
    page = client.get("/console/", params=_range())
    assert page.status_code == 200, page.text
    html = page.text
    # 王小明 online and in store, 赵线上 online only, the BJ01 buyer in store only.
    assert _mix(html) == {"online_only": 1, "both": 1, "offline_only": 1}
    assert _kpi(html, "active") == "3" and _kpi(html, "known") == "3"
    assert _kpi(html, "rev-online") == "¥170.00"  # 120 + 50
    assert _kpi(html, "rev-offline") == "¥380.00"  # 300 + 80; the refund is shown apart
    assert re.search(r'data-channel="offline">.*?¥50\.00</td></tr>', html, re.S)
    assert "SH01 上海静安店" in html and "Order Completed" in html
    assert 'id="new-online">2<' in html and 'id="new-offline">1<' in html
    assert '"days":' in html and "/console/vendor/chart.js" in html  # the charts' data

    # Store A: its own customers (王小明) and what they do online too.
    store = client.get("/console/", params={**_range(), "store": "SH01"}).text
    assert _mix(store) == {"online_only": 0, "both": 1, "offline_only": 0}
    assert _kpi(store, "rev-offline") == "¥300.00" and _kpi(store, "rev-online") == "¥120.00"
    assert "BJ01" not in store.split('id="stores-table"', 1)[1].split("</table>", 1)[0]

    empty = client.get("/console/", params={"since": "2020-01-01", "until": "2020-01-31"})
    assert empty.status_code == 200 and _kpi(empty.text, "active") == "0"
    assert client.get("/console/", params={"store": "SH01;drop"}).status_code == 400


def test_search_and_customer_360_with_tags_and_timeline(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    sign_in(client, staff.marketer)
    for query in ("138 1234 5678", "+8613812345678", "xm@example.com", "小明", "u-1"):
        found = client.get("/console/customers", params={"q": query}).text
        assert "王小明" in found and "赵线上" not in found, query
        person = re.search(r'href="/console/customers/(\d+)"', found)
        assert person, query
    assert "没有匹配的客户" in client.get("/console/customers", params={"q": "不存在"}).text
    pid = person.group(1)
    page = client.get(f"/console/customers/{pid}")
    html = page.text
    assert page.status_code == 200 and "王小明" in html
    assert "+8613812345678" in html and "u-1" in html  # identifiers
    assert "¥120.00" in html and "¥250.00" in html  # spend online, in store (300 - 50)
    timeline = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert 'data-channel="online"' in timeline and 'data-channel="offline"' in timeline
    assert "门店 SH01" in timeline and "羊绒大衣" in timeline
    assert "omnichannel" in html  # the rule tag
    assert 'action="/console/customers/' not in html.split('id="h-merges"')[1]  # no unmerge

    r = post_form(client, f"/console/customers/{pid}", f"/console/customers/{pid}/tags",
                  tag="到店试穿")
    assert r.status_code == 303
    after = client.get(r.headers["location"]).text
    assert "已添加标签“到店试穿”" in after and "<span>到店试穿</span>" in after
    r = post_form(client, f"/console/customers/{pid}", f"/console/customers/{pid}/tags/remove",
                  tag="到店试穿")
    assert "已移除标签" in client.get(r.headers["location"]).text
    r = post_form(client, f"/console/customers/{pid}", f"/console/customers/{pid}/tags/remove",
                  tag="never-there")
    assert "没有找到你要的内容" in client.get(r.headers["location"]).text
    r = post_form(client, f"/console/customers/{pid}", f"/console/customers/{pid}/unmerge",
                  identifier="device_id:pos-1")
    assert r.status_code == 403  # marketers do not unmerge


def test_timeline_pages_through_every_event(client: TestClient, engine: Engine,
                                            cast: Cast) -> None:
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    send(client, cast.app_key, *[
        {"type": "track", "userId": "u-1", "event": "Product Viewed", "timestamp": at(6, 20),
         "messageId": f"view-{i}", "properties": {"product_id": f"P{i:03d}", "name": f"商品{i}"}}
        for i in range(30)])
    sign_in(client, staff.marketer)
    seen: list[str] = []
    path = _person_page(client, "13812345678")
    for _ in range(5):
        html = client.get(path).text
        seen += re.findall(r'<time datetime="[^"]+">', html)
        older = re.search(r'rel="next" href="([^"]+)"', html)
        if not older:
            break
        path = older.group(1).replace("&amp;", "&")
    assert len(seen) == 36  # 6 of the first batches + 30 views, each once


def test_admin_unmerges_from_the_360_page(client: TestClient, engine: Engine,
                                          cast: Cast) -> None:
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    sign_in(client, staff.admin)
    path = _person_page(client, "13812345678")
    html = client.get(path).text
    assert 'id="edges"' in html and "device_id:pos-1" in html
    r = post_form(client, path, f"{path}/unmerge", identifier="device_id:pos-1")
    assert r.status_code == 303
    after = client.get(r.headers["location"]).text
    assert "已拆分为客户" in after and "拆分" in after.split('id="merges"', 1)[1]
    r = post_form(client, path, f"{path}/unmerge", identifier="phone:13000000000")
    assert "输入有误" in client.get(r.headers["location"]).text  # a placeholder phone


def test_counter_lookup_shows_online_interest_for_the_store(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    sign_in(client, staff.clerk_a)
    page = client.get("/console/counter", params={"q": "138 1234 5678"})
    assert page.status_code == 200
    html = page.text
    assert "王小明" in html and "138****5678" in html and "+8613812345678" not in html
    interest = html.split('id="interest"', 1)[1]
    assert interest.index("羊绒围巾") < interest.index("羊绒大衣")  # bought before carted
    assert "购买 1 次" in interest and "加购 1 次" in interest and "浏览 1 次" in interest
    assert "推荐方向：" in interest and "外套" in interest and "配饰" in interest
    assert "1 单 · 到店 0 次" in html  # at store A
    missing = client.get("/console/counter", params={"q": "13999999999"})
    assert missing.status_code == 404 and "没有找到“13999999999”" in missing.text
    # Names are not looked up at the counter.
    assert client.get("/console/counter", params={"q": "王小明"}).status_code == 404
    english = client.get("/console/counter", params={"q": "13812345678", "lang": "en"}).text
    assert "bought 1×" in english and 'for="lookup"' in english


def test_admin_pages_create_sources_tokens_stores_staff(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    sign_in(client, staff.admin)
    r = post_form(client, "/console/admin/sources", "/console/admin/sources",
                  name="mini-program", channel="online", user_id_type="user_id")
    assert r.status_code == 201 and re.search(r'id="secret">wk_[\w-]+<', r.text)
    key = re.search(r'id="secret">(wk_[\w-]+)<', r.text)
    assert key and key.group(1) not in client.get("/console/admin/sources").text  # once
    r = post_form(client, "/console/admin/sources", "/console/admin/sources",
                  name="mini-program", channel="online")
    assert r.status_code == 409 and "与现有数据冲突" in r.text

    r = post_form(client, "/console/admin/tokens", "/console/admin/tokens",
                  name="pos-sh01", role="clerk", store="SH01")
    token = re.search(r'id="secret">(dt_[\w-]+)<', r.text)
    assert r.status_code == 201 and token
    api = client.get("/api/v1/profiles/1", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert api.status_code == 403  # a clerk token: its role holds
    r = post_form(client, "/console/admin/tokens", "/console/admin/tokens",
                  name="no-store", role="clerk", store="")
    assert r.status_code == 400 and "导购和店长必须选择所属门店" in r.text
    r = post_form(client, "/console/admin/tokens", "/console/admin/tokens/revoke",
                  name="pos-sh01")
    assert "已吊销" in client.get(r.headers["location"]).text

    r = post_form(client, "/console/admin/stores", "/console/admin/stores", code="GZ01",
                  name="广州天河店", city="广州", hours="mon-fri=10:00-22:00,sat-sun=09:00-23:00")
    assert "门店 GZ01 已创建" in client.get(r.headers["location"]).text
    r = post_form(client, "/console/admin/stores", "/console/admin/stores", code="GZ 02",
                  name="x")
    assert "code" in client.get(r.headers["location"]).text
    r = post_form(client, "/console/admin/stores", "/console/admin/stores", code="GZ03",
                  name="x", hours="25:00-26:00")
    assert "hours must look like 10:00" in client.get(r.headers["location"]).text

    r = post_form(client, "/console/admin/staff", "/console/admin/staff", username="gz-clerk1",
                  display_name="陈静", role="clerk", store="GZ01", password="long-enough-1")
    assert "员工账号 gz-clerk1 已创建" in client.get(r.headers["location"]).text
    r = post_form(client, "/console/admin/staff", "/console/admin/staff", username="short",
                  role="marketer", password="short")
    assert "密码太短。 至少需要 8 个字符。" in client.get(r.headers["location"]).text
    fresh = TestClient(client.app)
    assert sign_in(fresh, "gz-clerk1", "long-enough-1").headers["location"] == (
        "/console/counter")


def test_quarantine_viewer_replays_a_fixed_message(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    bad = client.post("/v1/track", auth=(cast.app_key, ""),
                      json={"userId": "u-9", "event": "", "timestamp": "2026-11-20T10:00:00Z"})
    assert bad.status_code == 200
    sign_in(client, staff.admin)
    listing = client.get("/console/admin/quarantine").text
    item = re.search(r'href="/console/admin/quarantine/(\d+)"', listing)
    assert item
    path = f"/console/admin/quarantine/{item.group(1)}"
    r = post_form(client, path, f"{path}/replay", message="{not json")
    assert "not JSON" in client.get(r.headers["location"]).text
    r = post_form(client, path, f"{path}/replay", message="")  # as stored: still bad
    assert "still fails" in client.get(r.headers["location"]).text
    fixed = ('{"type": "track", "userId": "u-9", "event": "Product Viewed", '
             '"timestamp": "2026-11-20T10:00:00Z"}')
    r = post_form(client, path, f"{path}/replay", message=fixed)
    done = client.get(r.headers["location"]).text
    assert "已重放" in done and 'id="q-state">已重放' in done
    assert "已重放" in client.get("/console/admin/quarantine?status=replayed").text
