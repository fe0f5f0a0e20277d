"""The counter's O2O actions in a real browser on a phone: a clerk of store A enrols a
customer, redeems a coupon the customer claimed online (the discount shown before
confirming), adds points for the POS order, and cannot act for store B."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

from tests.browser import PHONE_VIEWPORT, World, browser, screenshot, sign_in, world
from tests.console import PASSWORD, at

__all__ = ["browser", "world"]  # fixtures
pytestmark = pytest.mark.slow


def _claimed_online(world: World) -> str:
    """李四 uses the app and claims a ¥50-off-¥300 coupon there; answers its code."""
    world.send(world.cast.app_key, {"type": "identify", "userId": "u-5", "timestamp": at(1),
                                    "traits": {"phone": "13955550000", "name": "李四"}})
    admin = {"Authorization": f"Bearer {world.cast.admin_token}"}
    r = httpx.post(f"{world.url}/api/v1/coupons/templates", headers=admin, timeout=30, json={
        "name": "满300减50", "kind": "amount_off", "amount_off": 5000, "min_spend": 30000,
        "valid_days": 30, "stock": 100, "per_person_limit": 1})
    assert r.status_code == 201, r.text
    r = httpx.post(f"{world.url}/api/v1/coupons/claim", headers=admin, timeout=30, json={
        "template_id": r.json()["id"], "person": "phone:+8613955550000"})
    assert r.status_code in (200, 201), r.text
    return str(r.json()["code"])


def test_clerk_enrols_redeems_an_online_coupon_adds_points_only_for_own_store(
    world: World, browser: Any
) -> None:
    code = _claimed_online(world)
    context = browser.new_context(**PHONE_VIEWPORT, locale="zh-CN")
    page = context.new_page()
    sign_in(page, world.url, world.staff.clerk_a, PASSWORD)
    page.get_by_label("手机号或会员码").fill("139 5555 0000")
    page.keyboard.press("Enter")
    expect(page.locator("#customer")).to_contain_text("李四")

    # Enrol: not a member yet, so the form is there with the phone filled in.
    expect(page.locator("#enrol")).to_be_visible()
    page.get_by_label("姓名").fill("李四")
    page.get_by_role("button", name="注册为会员").click()
    expect(page.locator("[role=status]")).to_contain_text("注册成功，会员号 M")
    member_no = page.locator("#member-no").inner_text()
    assert re.fullmatch(r"M\d{9}", member_no)

    # The coupon claimed online: the discount first, then the redemption.
    page.get_by_label("券码或扫码").fill(code)
    page.get_by_label("订单金额（元）").last.fill("399")
    page.locator("#coupon-order").fill("SH01-9001")
    page.get_by_role("button", name="查看优惠").click()
    expect(page.locator("#discount-value")).to_contain_text("¥50.00")
    expect(page.locator("#payable")).to_contain_text("¥349.00")
    screenshot(page, "counter-coupon-check")
    page.get_by_role("button", name="确认核销").click()
    expect(page.locator("[role=status]")).to_contain_text("已核销“满300减50”：优惠 ¥50.00")

    # The same coupon again: a clear refusal.
    page.get_by_label("券码或扫码").fill(code)
    page.get_by_label("订单金额（元）").last.fill("399")
    page.get_by_role("button", name="查看优惠").click()
    expect(page.locator("#coupon-refused")).to_be_visible()
    page.goto(f"{world.url}/console/counter?q={member_no}")

    # Points for the POS order.
    page.locator("#order-id").fill("SH01-9001")
    page.locator("#order-amount").fill("349")
    page.get_by_role("button", name="记录订单并积分").click()
    expect(page.locator("[role=status]")).to_contain_text("订单已记录：积分 +")
    earned = re.search(r"积分 \+(\d+)", page.locator("[role=status]").inner_text())
    assert earned and int(earned.group(1)) > 0
    screenshot(page, "counter-member")

    # Store B: the form's store is tampered with; the service refuses the clerk.
    page.locator('form[action="/console/counter/order"] input[name="store"]').evaluate(
        "e => e.value = 'BJ01'")
    page.locator("#order-id").fill("BJ01-7")
    page.locator("#order-amount").fill("100")
    page.get_by_role("button", name="记录订单并积分").click()
    expect(page.locator("[role=alert]")).to_contain_text("导购只能为本店操作")
    expect(page.locator("#member-no")).to_have_text(member_no)  # still the member's page
    expect(page.locator('form[action="/console/counter/enrol"]')).to_have_count(0)
    context.close()
