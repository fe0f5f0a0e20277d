"""The coupon-template admin page over real HTTP on SQLite and PostgreSQL: a template of each
kind made with the structured form (yuan parsed exactly into fen, local dates), a message by
each field typed wrong, and stock, status and per-person limit changed afterwards."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.console import csrf_of, make_staff, sign_in
from tests.offers_helpers import make_persons

PAGE = "/console/admin/coupons"
EMPTY_TIERS = {"tier_spend": ["", "", ""], "tier_off": ["", "", ""]}


def _post(client: TestClient, **fields: Any) -> Any:
    form = {"name": "测试券", "kind": "amount_off", "validity": "days", "valid_days": "30",
            "channels": "both", "per_person_limit": "1", "restore_on_refund": "1",
            **EMPTY_TIERS, **fields}
    csrf = csrf_of(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf": csrf, **form}, follow_redirects=False)


def _created(client: TestClient, cast: Cast, response: Any) -> dict[str, Any]:
    assert response.status_code == 303, response.text[-3000:]
    page = client.get(response.headers["location"]).text
    said = re.search(r"模板“[^”]+”已创建（#(\d+)）", page)
    assert said, page[:500]
    r = client.get(f"/api/v1/coupons/templates/{said.group(1)}",
                   headers=auth(cast.admin_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _problem(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    assert found, (field, re.findall(r'id="err-([\w]+)"', html))
    return found.group(1)


def test_a_template_of_each_kind_is_made_with_the_form(
    client: TestClient, engine: Engine, settings: Settings, cast: Cast
) -> None:
    sign_in(client, make_staff(engine, cast).admin)
    form = client.get(PAGE).text
    assert 'id="tpl-kind"' in form and "<textarea id=\"terms\"" not in form  # no raw JSON

    made = _created(client, cast, _post(client, name="满300减50", amount_off="19.99",
                                        min_spend="¥300", stock="1,000"))
    terms = made["terms"]
    assert (terms["kind"], terms["amount_off"], terms["min_spend"]) == ("amount_off", 1999,
                                                                       30000)
    assert terms["valid_days"] == 30 and made["stock"] == 1000 and terms["channels"] == "both"
    assert terms["restore_on_refund"] is True and terms["stacks"] is False

    made = _created(client, cast, _post(client, name="全场八折", kind="percent_off",
                                        percent_off="20", max_discount="100.5",
                                        channels="online", per_person_limit="3"))
    assert (made["terms"]["percent_off"], made["terms"]["max_discount"]) == (20, 10050)
    assert made["terms"]["channels"] == "online" and made["per_person_limit"] == 3

    made = _created(client, cast, _post(
        client, name="满减", kind="threshold", channels="offline", stores=["SH01"],
        tier_spend=["300", "500", ""], tier_off=["30", "60.00", ""]))
    assert made["terms"]["tiers"] == [{"spend": 30000, "off": 3000},
                                      {"spend": 50000, "off": 6000}]
    assert made["terms"]["stores"] == ["SH01"] and made["terms"]["channels"] == "offline"

    zone = ZoneInfo(settings.timezone)
    first = datetime.now(zone).date() + timedelta(days=1)
    made = _created(client, cast, _post(
        client, name="到店礼", kind="free_gift", gift="帆布袋", validity="dates",
        valid_from=str(first), valid_until=str(first + timedelta(days=9))))
    terms = made["terms"]
    assert terms["gift"] == "帆布袋" and terms["valid_days"] is None
    assert datetime.fromisoformat(terms["valid_from"]) == datetime.combine(first, time(0), zone)
    assert datetime.fromisoformat(terms["valid_until"]) == datetime.combine(
        first + timedelta(days=10), time(0), zone)  # the whole last day

    made = _created(client, cast, _post(
        client, name="积分换20元", kind="points_exchange", amount_off="20",
        points_cost="2000", eligible_tiers=["gold", "black"], stacks="1",
        restore_on_refund=""))
    terms = made["terms"]
    assert (terms["amount_off"], terms["points_cost"]) == (2000, 2000)
    assert terms["eligible_tiers"] == ["gold", "black"] and terms["stacks"] is True
    assert terms["restore_on_refund"] is False

    listing = client.get(PAGE).text
    assert listing.count('<tr data-template="') == 5
    assert "积分兑换（立减）" in listing and 'data-status="active">进行中<' in listing


def test_each_field_typed_wrong_gets_its_own_message(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    sign_in(client, make_staff(engine, cast).admin)
    r = _post(client, name=" ", amount_off="12.345", min_spend="abc", per_person_limit="0",
              stock="-5", valid_days="0")
    assert r.status_code == 400
    html = r.text
    assert "优惠券模板有误，请按提示修改。" in html
    assert _problem(html, "name") == "请填写此项。"
    assert _problem(html, "amount_off").startswith("请输入大于 0 的金额（元）")
    assert _problem(html, "min_spend").startswith("请输入大于 0 的金额")
    assert _problem(html, "per_person_limit") == "请输入 1 到 1000 之间的整数。"
    assert _problem(html, "stock") == "请输入正整数。"
    assert _problem(html, "valid_days") == "请输入 1 到 3660 之间的天数。"
    assert 'value="12.345"' in html and 'aria-invalid="true"' in html  # kept, marked

    html = _post(client, amount_off="60", min_spend="50").text
    assert _problem(html, "amount_off") == "减免金额不能高于最低消费。"
    html = _post(client, kind="threshold", tier_spend=["300", "", ""],
                 tier_off=["300", "", ""]).text
    assert _problem(html, "tier_0") == "这一档的减免金额必须低于门槛金额。"
    html = _post(client, kind="threshold").text
    assert _problem(html, "tier_0") == "请至少填写一档“满多少、减多少”。"
    html = _post(client, kind="percent_off", percent_off="100").text
    assert _problem(html, "percent_off").startswith("请输入 1 到 99 之间的整数")
    html = _post(client, kind="free_gift").text
    assert _problem(html, "gift") == "请填写此项。"
    html = _post(client, kind="points_exchange", amount_off="20").text
    assert _problem(html, "points_cost") == "请填写此项。"
    html = _post(client, amount_off="5", validity="dates", valid_from="2030-02-01",
                 valid_until="2030-01-01").text
    assert _problem(html, "valid_until") == "结束日期不能早于开始日期。"
    html = _post(client, amount_off="5", validity="dates", valid_until="tomorrow").text
    assert _problem(html, "valid_until") == "请选择日期。"
    html = _post(client, amount_off="5", stores=["XX99"], eligible_tiers=["platinum"],
                 kind="amount_off", channels="everywhere").text
    assert _problem(html, "stores") == _problem(html, "channels") == "请从列表中选择。"
    assert _problem(html, "eligible_tiers") == "请从列表中选择。"
    english = client.post(f"{PAGE}?lang=en", data={
        "csrf": csrf_of(client.get(PAGE).text), "name": "x", "kind": "amount_off",
        "amount_off": "1e3", "valid_days": "7", "per_person_limit": "1"})
    assert english.status_code == 400
    assert _problem(english.text, "amount_off").startswith("Give an amount in yuan")
    client.get(f"{PAGE}?lang=zh-CN")
    assert '<tr data-template="' not in client.get(PAGE).text  # nothing was made


def _edit(client: TestClient, template: int, **fields: str) -> str:
    csrf = csrf_of(client.get(PAGE).text)
    r = client.post(f"{PAGE}/{template}/edit", data={"csrf": csrf, **fields},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]
    page = client.get(r.headers["location"]).text
    found = re.search(r'class="flash flash-\w+" role="\w+">([^<]*)<', page)
    assert found
    return found.group(1)


def _row(client: TestClient, template: int) -> str:
    page = client.get(PAGE).text
    return page.split(f'<tr data-template="{template}">', 1)[1].split("</tr>", 1)[0]


def test_stock_status_and_limit_are_changed_on_the_page(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    sign_in(client, make_staff(engine, cast).admin)
    made = _created(client, cast, _post(client, name="限量券", amount_off="10", stock="3"))
    template = made["id"]
    for person in make_persons(client, cast.app_key, 2):
        r = client.post("/api/v1/coupons/claim", headers=auth(cast.admin_token),
                        json={"template_id": template, "person": person})
        assert r.status_code in (200, 201), r.text
    assert "2 / 3" in _row(client, template)

    said = _edit(client, template, stock="10", per_person_limit="2", status="active")
    assert said == "模板“限量券”已保存（进行中）。"
    row = _row(client, template)
    assert "2 / 10" in row and '<td class="num">2</td>' in row
    assert _edit(client, template, stock="2", per_person_limit="2", status="active") == (
        "模板“限量券”已保存（进行中）。")  # lowered to what was issued
    assert _edit(client, template, stock="1", per_person_limit="2", status="active") == (
        "库存不能低于已发放的数量。 已发放 2 张。")
    assert "2 / 2" in _row(client, template)
    assert _edit(client, template, stock="", per_person_limit="2", status="active") == (
        "模板“限量券”已保存（进行中）。")
    assert "2 / ∞" in _row(client, template)
    assert _edit(client, template, stock="0", per_person_limit="2", status="active") == (
        "库存须为正整数（不填为不限）。")
    assert _edit(client, template, stock="", per_person_limit="5000", status="active") == (
        "每人限领须为 1 到 1000 之间的整数。")
    assert _edit(client, template, stock="", per_person_limit="2", status="gone") == (
        "没有这种状态。")

    assert _edit(client, template, stock="", per_person_limit="2", status="paused") == (
        "模板“限量券”已保存（已暂停）。")
    assert 'data-status="paused">已暂停<' in _row(client, template)
    person = make_persons(client, cast.app_key, 1, start=3)[0]
    r = client.post("/api/v1/coupons/claim", headers=auth(cast.admin_token),
                    json={"template_id": template, "person": person})
    assert r.status_code == 409 and r.json()["error"]["code"] == "template_inactive"
    assert r.json()["error"]["params"] == {"status": "paused"}
    r = client.post(f"{PAGE}/{template}/issue", data={
        "csrf": csrf_of(client.get(PAGE).text), "persons": person}, follow_redirects=False)
    assert "已发放 0 张，1 位未发放" in client.get(r.headers["location"]).text
    assert _edit(client, template, stock="", per_person_limit="2", status="ended") == (
        "模板“限量券”已保存（已结束）。")
    r = client.post(f"{PAGE}/999999/edit", data={
        "csrf": csrf_of(client.get(PAGE).text), "stock": "", "per_person_limit": "1",
        "status": "active"}, follow_redirects=False)
    assert "没有找到你要的内容" in client.get(r.headers["location"]).text
