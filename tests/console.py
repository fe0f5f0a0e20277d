"""Helpers for the console tests: staff accounts of the cast, signing in through the real
login form, reading the CSRF token off a page, sending events, syncing the lake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from datong.lake.mirror import sync_lake
from datong.settings import Settings
from datong.staff.service import create_staff
from tests.conftest import Cast

PASSWORD = "counter-pass-2026"
PHONE = "+8613812345678"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Staff:
    admin: str = "boss"
    marketer: str = "lin"
    clerk_a: str = "clerk-sh"
    clerk_b: str = "clerk-bj"


def make_staff(engine: Engine, cast: Cast) -> Staff:
    staff = Staff()
    with engine.begin() as db:
        create_staff(db=db, username=staff.admin, password=PASSWORD, role="admin",
                     display_name="管理员")
        create_staff(db=db, username=staff.marketer, password=PASSWORD, role="marketer",
                     display_name="林悦")
        create_staff(db=db, username=staff.clerk_a, password=PASSWORD, role="clerk",
                     display_name="王芳", store_id=cast.store_a)
        create_staff(db=db, username=staff.clerk_b, password=PASSWORD, role="clerk",
                     display_name="李娜", store_id=cast.store_b)
    return staff


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD,
            next_path: str = "") -> Response:
    page = client.get("/console/login")
    assert page.status_code == 200, page.text
    return client.post("/console/login", data={
        "username": username, "password": password, "csrf": csrf_of(page.text),
        "next": next_path}, follow_redirects=False)


def post_form(client: TestClient, page: str, action: str, **fields: Any) -> Response:
    """Open `page`, take its CSRF token and send the form to `action` (not following the
    redirect, so the caller sees where it goes)."""
    html = client.get(page).text
    return client.post(action, data={"csrf": csrf_of(html), **fields}, follow_redirects=False)


def send(client: TestClient, key: str, *messages: dict[str, Any]) -> None:
    r = client.post("/v1/batch", auth=(key, ""), json={"batch": list(messages)})
    assert r.status_code == 200, r.text


def sync(engine: Engine, settings: Settings) -> None:
    sync_lake(engine=engine, lake_dir=settings.lake_dir, lag=0)


# A week ago at 10:00 in Shanghai: recent enough for the counter's 30-day window.
BASE = datetime.combine((datetime.now(UTC) - timedelta(days=7)).date(), time(2), UTC)


def at(day: int, hour: int = 10) -> str:
    """Day 1 is BASE's day; hours are Shanghai wall-clock hours."""
    moment = BASE + timedelta(days=day - 1, hours=hour - 10)
    return moment.isoformat().replace("+00:00", "Z")


def omnichannel_customer(client: TestClient, cast: Cast) -> None:
    """王小明: views and carts a coat in the app, buys online, then buys in store A; an
    app-only and a store-only customer beside him."""
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-1", "anonymousId": "dev-1", "timestamp": at(1),
          "traits": {"phone": "138 1234 5678", "name": "王小明", "email": "xm@example.com"}},
         {"type": "track", "userId": "u-1", "event": "Product Viewed", "timestamp": at(2),
          "properties": {"product_id": "CT001", "name": "羊绒大衣", "category": "外套",
                         "price": 129_900}},
         {"type": "track", "userId": "u-1", "event": "Product Added", "timestamp": at(2, 11),
          "properties": {"product_id": "CT001", "name": "羊绒大衣", "category": "外套",
                         "price": 129_900, "quantity": 1}},
         {"type": "track", "userId": "u-1", "event": "Order Completed", "timestamp": at(3),
          "properties": {"order_id": "o-1", "total": 12_000, "products": [
              {"product_id": "SC001", "name": "羊绒围巾", "category": "配饰", "price": 12_000,
               "quantity": 1}]}},
         {"type": "identify", "userId": "u-2", "timestamp": at(4),
          "traits": {"name": "赵线上", "phone": "13900001111"}},
         {"type": "track", "userId": "u-2", "event": "Order Completed", "timestamp": at(4, 12),
          "properties": {"order_id": "o-2", "total": 5_000}})
    send(client, cast.pos_key,
         {"type": "track", "anonymousId": "pos-1", "event": "Order Completed",
          "timestamp": at(5),
          "properties": {"store_id": "SH01", "phone": "13812345678", "total": 30_000,
                         "order_id": "SH01-1"}},
         {"type": "track", "anonymousId": "pos-2", "event": "Order Completed",
          "timestamp": at(5, 15),
          "properties": {"store_id": "BJ01", "phone": "13700002222", "total": 8_000,
                         "order_id": "BJ01-1"}},
         {"type": "track", "anonymousId": "pos-3", "event": "Order Refunded", "timestamp": at(6),
          "properties": {"store_id": "SH01", "phone": "13812345678", "total": 5_000,
                         "order_id": "SH01-1"}})
