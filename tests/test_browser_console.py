"""The console in a real browser: Debian's Chromium, headless, driven by Playwright, against
a real `datong serve` process. Screenshots of each main page go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE_VIEWPORT, World, browser, screenshot, sign_in, world
from tests.console import BASE, PASSWORD, at

__all__ = ["browser", "world"]  # fixtures
pytestmark = pytest.mark.slow
INPUTS_WITHOUT_LABEL = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && !e.closest('[hidden]'))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""


def _customers(world: World) -> None:
    """王小明 buys online and in store A; a view and a cart in the app the day before."""
    c = world.cast
    world.send(c.app_key,
               {"type": "identify", "userId": "u-1", "timestamp": at(1),
                "traits": {"phone": "13812345678", "name": "王小明"}},
               {"type": "track", "userId": "u-1", "event": "Product Viewed",
                "timestamp": at(2), "properties": {"product_id": "CT001", "name": "羊绒大衣",
                                                   "category": "外套", "price": 129_900}},
               {"type": "track", "userId": "u-1", "event": "Product Added",
                "timestamp": at(2, 11), "properties": {"product_id": "CT001",
                                                       "name": "羊绒大衣", "category": "外套"}},
               {"type": "track", "userId": "u-1", "event": "Order Completed",
                "timestamp": at(3), "properties": {"order_id": "o-1", "total": 25_900,
                                                   "products": [{"product_id": "SW001",
                                                                 "name": "针织衫",
                                                                 "category": "上衣"}]}},
               {"type": "identify", "userId": "u-2", "timestamp": at(3),
                "traits": {"phone": "13900001111", "name": "赵线上"}},
               {"type": "track", "userId": "u-2", "event": "Order Completed",
                "timestamp": at(4), "properties": {"order_id": "o-2", "total": 9_900}})
    world.send(c.pos_key,
               {"type": "track", "anonymousId": "pos-1", "event": "Order Completed",
                "timestamp": at(5), "properties": {"store_id": "SH01", "total": 39_900,
                                                   "phone": "13812345678",
                                                   "order_id": "SH01-1"}},
               {"type": "track", "anonymousId": "pos-2", "event": "Order Completed",
                "timestamp": at(5, 16), "properties": {"store_id": "BJ01", "total": 19_900,
                                                       "phone": "13700002222",
                                                       "order_id": "BJ01-1"}})
    world.sync_lake()


def test_marketer_sees_overview_and_a_customer_360_with_both_channels(
    world: World, browser: Any
) -> None:
    _customers(world)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, world.url, world.staff.marketer, PASSWORD)
    expect(page).to_have_url(f"{world.url}/console/")
    page.get_by_label("开始日期").fill(str(BASE.date()))
    page.get_by_role("button", name="应用").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("data-charts", "drawn")  # chart.js ran
    expect(page.locator("#kpi-active")).to_have_text("3")
    expect(page.locator('tr[data-mix="both"] td.num').first).to_have_text("1")
    expect(page.locator("#kpi-rev-offline")).to_have_text("¥598.00")
    assert page.evaluate(INPUTS_WITHOUT_LABEL) == []
    screenshot(page, "overview")

    page.get_by_role("link", name="客户", exact=True).click()
    page.get_by_label("手机号、会员号、邮箱或姓名").fill("138 1234 5678")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(INPUTS_WITHOUT_LABEL) == []
    screenshot(page, "customers")
    page.locator("#results a").first.click()
    expect(page.locator("h1")).to_contain_text("王小明")
    timeline = page.locator("#timeline")
    expect(timeline.locator('li[data-channel="online"]').first).to_be_visible()
    expect(timeline.locator('li[data-channel="offline"]').first).to_contain_text("门店 SH01")
    expect(timeline).to_contain_text("羊绒大衣")
    screenshot(page, "customer-360")

    page.get_by_label("新标签").fill("到店试穿")
    page.get_by_role("button", name="添加").click()
    expect(page.locator("[role=status]")).to_contain_text("到店试穿")
    assert page.evaluate(INPUTS_WITHOUT_LABEL) == []
    assert errors == []
    context.close()


def test_language_switch_keeps_the_page_and_the_choice(world: World, browser: Any) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, world.url, world.staff.marketer, PASSWORD)
    expect(page.locator("h1")).to_have_text("经营概览")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.locator("h1")).to_have_text("Customers")  # remembered across pages
    screenshot(page, "customers-en")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("客户")
    context.close()


def test_clerk_uses_the_counter_on_a_phone_with_the_keyboard(
    world: World, browser: Any
) -> None:
    _customers(world)
    context = browser.new_context(**PHONE_VIEWPORT, locale="zh-CN")
    page = context.new_page()
    sign_in(page, world.url, world.staff.clerk_a, PASSWORD)
    expect(page).to_have_url(f"{world.url}/console/counter")
    expect(page.locator("h1")).to_contain_text("上海静安店")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    lookup = page.get_by_label("手机号或会员码")
    expect(lookup).to_be_focused()  # ready to type on arrival
    page.keyboard.type("13812345678")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#customer")).to_contain_text("王小明")
    expect(page.locator("#customer")).to_contain_text("138****5678")
    expect(page.locator("#recommend")).to_contain_text("外套")
    expect(page.locator("#interest")).to_contain_text("加购 1 次")
    assert page.evaluate(INPUTS_WITHOUT_LABEL) == []
    box = page.get_by_role("button", name="查找").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300  # thumb-sized
    screenshot(page, "counter")

    # With the keyboard alone, Tab walks the counter's controls top to bottom.
    assert _tab_order(page, "#lookup") == _counter_controls(page)
    page.goto(f"{world.url}/console/counter")
    expect(lookup).to_be_focused()
    page.get_by_label("手机号或会员码").fill("13999999999")
    page.get_by_label("手机号或会员码").press("Enter")
    expect(page.locator("#not-found")).to_contain_text("没有找到")

    response = page.goto(f"{world.url}/console/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("你的角色无权进行此操作。")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link")).to_have_count(1)
    context.close()


FOCUSED = """() => { const e = document.activeElement;
  if (e.hasAttribute('data-scan-start')) return 'scan:' + e.getAttribute('aria-controls');
  if (e.tagName === 'BUTTON') return 'button:' + e.textContent.trim();
  return e.id || e.tagName; }"""


def _tab_order(page: Any, start: str, steps: int = 20) -> list[str]:
    """What gets the focus from `start` on, Tab after Tab, until focus leaves <main>."""
    page.locator(start).focus()
    seen = [page.evaluate(FOCUSED)]
    for _ in range(steps):
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.closest('main') !== null"):
            break
        seen.append(page.evaluate(FOCUSED))
    return seen


def _counter_controls(page: Any) -> list[str]:
    """The counter's controls for a customer who is not a member yet, in reading order; the
    camera buttons are there where the browser can scan (counter.js shows them)."""
    scans = page.locator("[data-scan-for]:not([hidden])").count()
    assert scans in (0, 3)

    def scan(target: str) -> list[str]:
        return [f"scan:{target}-video"] if scans else []

    return ["lookup", *scan("lookup"), "button:查找", "enrol-phone", "enrol-name",
            "button:注册为会员", "coupon-code", *scan("coupon-code"), "coupon-amount",
            "coupon-order", "button:查看优惠", "booking-code", *scan("booking-code"),
            "button:签到"]


def test_admin_pages_render_in_the_browser(world: World, browser: Any) -> None:
    world.send(world.cast.app_key, {"type": "track", "userId": "u-9", "event": "",
                                    "timestamp": at(1)})
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, world.url, world.staff.admin, PASSWORD)
    for path, name in (("/console/admin/sources", "admin-sources"),
                       ("/console/admin/tokens", "admin-tokens"),
                       ("/console/admin/stores", "admin-stores"),
                       ("/console/admin/staff", "admin-staff"),
                       ("/console/admin/quarantine", "admin-quarantine"),
                       ("/console/suggestions", "suggestions"),
                       ("/console/admin/loyalty", "admin-loyalty"),
                       ("/console/admin/coupons", "admin-coupons"),
                       ("/console/admin/reservations", "admin-reservations")):
        response = page.goto(f"{world.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.evaluate(INPUTS_WITHOUT_LABEL) == [], path
        screenshot(page, name)
    page.goto(f"{world.url}/console/admin/tokens")
    page.get_by_label("名称").fill("pos-sh01")
    page.get_by_label("角色").select_option("clerk")
    page.get_by_label("所属门店（导购与店长必填）").select_option("SH01")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#secret")).to_have_text(re.compile(r"^dt_"))
    page.goto(f"{world.url}/console/admin/quarantine")
    page.locator("#quarantine a").first.click()
    page.get_by_label("消息（可先修正再重放）").fill(
        '{"type": "track", "userId": "u-9", "event": "Product Viewed"}')
    page.get_by_role("button", name="重放").click()
    expect(page.locator("[role=status]")).to_contain_text("已重放")
    context.close()


def test_admin_makes_a_coupon_template_with_the_form(world: World, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, world.url, world.staff.admin, PASSWORD)
    page.goto(f"{world.url}/console/admin/coupons")
    form = page.locator("#new-template")
    # The kind decides which fields show (coupon_form.js); every visible input is labelled.
    expect(page.get_by_label("减免金额（元）")).to_be_visible()
    expect(page.get_by_label("第 1 档：满（元）")).to_be_hidden()
    page.get_by_label("券类型").select_option("threshold")
    expect(page.get_by_label("减免金额（元）")).to_be_hidden()
    expect(page.get_by_label("第 1 档：满（元）")).to_be_visible()
    assert page.evaluate(INPUTS_WITHOUT_LABEL) == []

    page.get_by_label("券名称").fill("双12 满减")
    page.get_by_label("第 1 档：满（元）").fill("300")
    page.get_by_label("第 1 档：减（元）").fill("300")  # not below the spend: refused
    page.get_by_label("使用渠道").select_option("offline")
    page.get_by_label("可用门店（不选即全部门店；可多选）").select_option(["SH01"])
    form.get_by_role("button", name="创建").click()
    expect(page.locator("#err-tier_0")).to_have_text("这一档的减免金额必须低于门槛金额。")
    expect(page.get_by_label("第 1 档：减（元）")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("券名称")).to_have_value("双12 满减")  # what was typed is kept
    expect(page.get_by_label("第 1 档：满（元）")).to_be_visible()  # the kind too
    screenshot(page, "admin-coupon-form-error")

    page.get_by_label("第 1 档：减（元）").fill("30")
    page.get_by_label("第 2 档：满（元）").fill("500")
    page.get_by_label("第 2 档：减（元）").fill("60")
    page.get_by_label("库存（张，不填为不限）").fill("200")
    page.locator("#new-template").get_by_role("button", name="创建").click()
    expect(page.locator("[role=status]")).to_contain_text("模板“双12 满减”已创建")
    row = page.locator("tr[data-template]").first
    expect(row).to_contain_text("满减（分档）")
    expect(row.locator("[data-stock]")).to_have_text("0 / 200")
    expect(row.locator("[data-status]")).to_have_text("进行中")

    page.locator(".edit-template select[name=status]").first.select_option("paused")
    page.locator(".edit-template input[name=stock]").first.fill("150")
    page.locator(".edit-template").first.get_by_role("button", name="保存修改").click()
    expect(page.locator("[role=status]")).to_have_text("模板“双12 满减”已保存（已暂停）。")
    expect(row.locator("[data-status]")).to_have_text("已暂停")
    expect(row.locator("[data-stock]")).to_have_text("0 / 150")
    screenshot(page, "admin-coupons-form")
    assert errors == []
    context.close()
