"""Membership and offers in the console over real HTTP: counter actions with clear refusals,
the 360 page's membership and coupons, the overview's member, coupon and points figures."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.store.types import utcnow
from tests.conftest import Cast, auth
from tests.console import at, make_staff, post_form, send, sign_in


def _coupon(client: TestClient, cast: Cast, person: str, **terms: object) -> str:
    r = client.post("/api/v1/coupons/templates", headers=auth(cast.admin_token), json={
        "name": "满300减50", "kind": "amount_off", "amount_off": 5000, "min_spend": 30000,
        "valid_days": 30, "stock": 10, "per_person_limit": 1, **terms})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/coupons/claim", headers=auth(cast.admin_token),
                    json={"template_id": r.json()["id"], "person": person})
    assert r.status_code in (200, 201), r.text
    return str(r.json()["code"])


def _flash(client: TestClient, response: object) -> str:
    location = response.headers["location"]  # type: ignore[attr-defined]
    page = client.get(location).text
    found = re.search(r'class="flash flash-\w+" role="\w+">([^<]*)<', page)
    assert found, page[:400]
    return found.group(1)


def test_counter_actions_answer_success_or_the_reason(client: TestClient, engine: Engine,
                                                       cast: Cast) -> None:
    staff = make_staff(engine, cast)
    send(client, cast.app_key, {"type": "identify", "userId": "u-5", "timestamp": at(1),
                                "traits": {"phone": "13955550000", "name": "李四"}})
    code = _coupon(client, cast, "phone:+8613955550000")
    only_b = _coupon(client, cast, "phone:+8613955550000", name="北京店专享", stores=["BJ01"],
                     channels="offline")
    sign_in(client, staff.clerk_a)
    page = "/console/counter?q=13955550000"
    r = post_form(client, page, "/console/counter/enrol", phone="13955550000", name="李四",
                  store="SH01")
    assert "注册成功，会员号 M" in _flash(client, r)
    again = post_form(client, page, "/console/counter/enrol", phone="13955550000", store="SH01")
    said = _flash(client, again)
    assert "该顾客已是会员" in said and "在门店 SH01入会" in said and "enrolled" not in said
    elsewhere = post_form(client, page, "/console/counter/enrol", phone="13700001234",
                          store="BJ01")
    assert "导购只能为本店操作" in _flash(client, elsewhere)
    html = client.get(page).text
    member_no = re.search(r'id="member-no">(M\d+)<', html)
    assert member_no
    assert 'id="tier">普通<' in html  # the program's name of the tier, not its code

    check = post_form(client, page, "/console/counter/coupon/check", q="13955550000",
                      code=code, amount="399", order_id="SH01-1", store="SH01")
    assert check.status_code == 200 and "−¥50.00" in check.text and "¥349.00" in check.text
    key = re.search(r'name="key" value="(\w+)"', check.text)
    assert key
    small = post_form(client, page, "/console/counter/coupon/check", code=code, amount="99",
                      store="SH01")
    assert 'id="coupon-refused"' in small.text and "确认核销" not in small.text
    assert "订单金额未达到使用门槛。 需满 ¥300.00，本单 ¥99.00。" in small.text
    wrong = post_form(client, page, "/console/counter/coupon/check", code=only_b,
                      amount="399", store="SH01")
    assert "这张券不能在本店使用。 仅限门店 BJ01 使用。" in wrong.text
    forged = post_form(client, page, "/console/counter/coupon/check",
                       code="DTC.AAAAAAAAAAAAAA.beef", amount="399", store="SH01")
    assert "二维码无效或被篡改" in forged.text
    done = post_form(client, page, "/console/counter/coupon/redeem", q="13955550000",
                     code=code, amount="399", order_id="SH01-1", store="SH01",
                     key=key.group(1))
    assert "已核销“满300减50”：优惠 ¥50.00，应付 ¥349.00" in _flash(client, done)

    r = post_form(client, page, "/console/counter/order", q="13955550000",
                  member_no=member_no.group(1), order_id="SH01-1", amount="349", store="SH01")
    assert "订单已记录：积分 +" in _flash(client, r)
    twice = post_form(client, page, "/console/counter/order", q="13955550000",
                      member_no=member_no.group(1), order_id="SH01-1", amount="349",
                      store="SH01")
    assert "积分 +0" in _flash(client, twice)  # one earning per order
    r = post_form(client, page, "/console/counter/order", member_no=member_no.group(1),
                  order_id="x", amount="12.345", store="SH01")
    assert "金额格式不对" in _flash(client, r)
    r = post_form(client, page, "/console/counter/points/pay", member_no=member_no.group(1),
                  order_id="SH01-2", points="999999", store="SH01")
    said = _flash(client, r)
    assert "积分不足。" in said and "本次需要 999999 分" in said
    again = post_form(client, page, "/console/counter/coupon/check?lang=en", code=code,
                      amount="399", store="SH01")
    assert "This coupon has been redeemed already. Redeemed " in again.text
    assert "(store SH01)" in again.text

    client.cookies.clear()
    sign_in(client, staff.marketer)
    person = re.search(r'href="/console/customers/(\d+)"',
                       client.get("/console/customers", params={"q": "13955550000"}).text)
    assert person
    html = client.get(f"/console/customers/{person.group(1)}").text
    assert member_no.group(1) in html and 'id="statement"' in html
    assert 'id="tier">普通<' in html
    entries = html.split('id="statement"', 1)[1].split("</table>", 1)[0]
    assert '<tr data-kind="earn"><td>' in entries and "<td>获得</td>" in entries
    assert "订单 SH01-1" in entries and "积分抵现" not in entries  # the payment was refused
    assert ">earn<" not in entries and "order SH01-1" not in entries
    assert re.search(r"有 \d+ 积分待生效，订单退货期结束后即可使用", html)  # the notice
    english = client.get(f"/console/customers/{person.group(1)}?lang=en").text
    assert "<td>earned</td>" in english and "order SH01-1" in english
    client.get("/console/customers?lang=zh-CN")
    coupons = html.split('id="coupons"', 1)[1].split("</section>", 1)[0]
    assert "已核销 (1)" in coupons and "未使用 (1)" in coupons and "门店核销 SH01" in coupons

    day = utcnow().date()
    overview = client.get("/console/", params={"since": str(day - timedelta(days=2)),
                                               "until": str(day + timedelta(days=1))}).text
    funnel = overview.split('id="coupon-funnel"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'data-claim="online">.*?<td class="num">2</td><td class="num">0</td>'
                     r'<td class="num">1</td><td class="num">50.0%</td>', funnel, re.S)
    members = overview.split('id="new-members"', 1)[1].split("</section>", 1)[0]
    assert "SH01" in members and ">1</td>" in members
    assert int(re.search(r'id="points-earned">([\d,]+)<', overview).group(1)  # type: ignore[union-attr]
               .replace(",", "")) > 0


def test_admin_pages_for_program_templates_and_slots(client: TestClient, engine: Engine,
                                                     cast: Cast) -> None:
    staff = make_staff(engine, cast)
    send(client, cast.app_key, {"type": "identify", "userId": "u-7", "timestamp": at(1),
                                "traits": {"phone": "13955557777"}})
    sign_in(client, staff.admin)
    program = client.get("/console/admin/loyalty").text
    assert 'id="tiers"' in program and "<textarea" in program
    r = post_form(client, "/console/admin/loyalty", "/console/admin/loyalty",
                  toml="[[tiers]]\ncode = 'Bad Code'")
    said = _flash(client, r)
    assert said.startswith("输入有误") and "tiers.0.code" in said
    r = post_form(client, "/console/admin/coupons", "/console/admin/coupons",
                  name="满200减20", kind="amount_off", amount_off="20", min_spend="200",
                  validity="days", valid_days="7", stock="2", per_person_limit="1",
                  channels="both")
    assert "模板“满200减20”已创建" in _flash(client, r)
    template = re.search(r'action="/console/admin/coupons/(\d+)/issue"',
                         client.get("/console/admin/coupons").text)
    assert template
    r = post_form(client, "/console/admin/coupons",
                  f"/console/admin/coupons/{template.group(1)}/issue",
                  persons="phone:13955557777\nphone:13000000000")
    assert "已发放 1 张，1 位未发放" in _flash(client, r)
    listing = client.get("/console/admin/coupons").text
    assert "1 / 2" in listing
    r = post_form(client, "/console/admin/coupons", "/console/admin/coupons",
                  name="x", kind="amount_off")
    assert r.status_code == 400 and 'id="err-amount_off">请填写此项。<' in r.text
    r = post_form(client, "/console/admin/reservations", "/console/admin/reservations",
                  store="SH01", name="肌肤测试", description="20 分钟")
    assert "体验“肌肤测试”已创建" in _flash(client, r)
    page = client.get("/console/admin/reservations").text
    experience = re.search(r'data-experience="(\d+)"', page)
    assert experience
    start = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT14:00")
    end = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT15:00")
    r = post_form(client, "/console/admin/reservations",
                  f"/console/admin/reservations/{experience.group(1)}/slots",
                  starts=start, ends=end, capacity="4")
    assert "已添加 1 个时段" in _flash(client, r)
    assert "0 / 4" in client.get("/console/admin/reservations").text
