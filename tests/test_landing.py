"""The pages the QR codes open, over real HTTP (ASGI) on SQLite and PostgreSQL: `/join?t=…`
enrols with the store and clerk the signed token names and refuses a forged or expired one;
`/r/{code}` shows the invitee's coupon and enrols with the referral recorded; with
DATONG_APP_LINK_BASE both hand over to the retailer's app."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.landing.throttle import EnrolLimits
from datong.loyalty import codes
from datong.offers.codes import check_char
from datong.outbox.service import list_events
from datong.profiles.tables import traits
from datong.settings import Settings
from datong.staff.service import create_staff
from datong.store.types import utcnow
from tests.conftest import Cast, ClientFor, auth
from tests.offers_helpers import create_template, make_persons

MEMBER_NO = re.compile(r'data-member-no>(M\d{9})<')


@pytest.fixture
def client_for(client_for: ClientFor) -> ClientFor:
    """conftest's clients, which here show a redirect instead of following it."""
    def make(**options: Any) -> TestClient:
        client = client_for(**options)
        client.follow_redirects = False
        return client

    return make


def _token(client: TestClient, cast: Cast, engine: Engine) -> str:
    with engine.begin() as db:
        create_staff(db=db, username="xiaomei", password="password-1", role="clerk",
                     display_name="王小美", store_id=cast.store_a)
    r = client.post("/api/v1/loyalty/enrol-links", headers=auth(cast.clerk_a_token),
                    json={"store": "SH01", "clerk": "xiaomei", "days": 30})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def _member(client: TestClient, cast: Cast, key: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/members/{key}", headers=auth(cast.admin_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_store_qr_page_enrols_with_store_and_clerk(client_for: ClientFor, cast: Cast,
                                                       engine: Engine) -> None:
    client = client_for()
    token = _token(client, cast, engine)
    page = client.get("/join", params={"t": token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "上海静安店" in html and "王小美" in html and "短信验证码" in html
    assert 'name="consent"' in html and 'type="tel"' in html and "<script" not in html
    english = client.get("/join", params={"t": token, "lang": "en"}).text
    assert "Join the membership" in english and "sends no SMS code" in english
    assert f"/join?t={token}&amp;lang=zh-CN" in english  # switching back keeps the token
    done = client.post("/join", data={"t": token, "phone": "139 0013 5678", "name": "李雷",
                                      "consent": "yes", "lang": "en"})
    assert done.status_code == 201, done.text
    member_no = MEMBER_NO.search(done.text).group(1)  # type: ignore[union-attr]
    assert "Welcome!" in done.text
    member = _member(client, cast, member_no)
    assert (member["phone"], member["name"], member["store_id"], member["clerk_id"],
            member["channel"]) == ("+8613900135678", "李雷", cast.store_a, "xiaomei",
                                   "offline")
    with engine.connect() as db:
        enrolled = list_events(db=db, name="Member Enrolled")
        consent = db.execute(select(traits.c.value).where(
            traits.c.person_id == member["person_id"],
            traits.c.key == "membership_consent_source")).scalar()
    assert [(e.actor, e.store_id) for e in enrolled] == [("landing-page", cast.store_a)]
    assert consent == "join page"
    again = client.post("/join", data={"t": token, "phone": "13900135678", "consent": "yes"})
    assert again.status_code == 409 and "已经是会员" in again.text
    assert member_no not in again.text  # a public page does not tell whose number it is


def test_the_form_asks_again_for_consent_and_a_usable_phone(client_for: ClientFor,
                                                            cast: Cast,
                                                            engine: Engine) -> None:
    client = client_for()
    token = _token(client, cast, engine)
    no_consent = client.post("/join", data={"t": token, "phone": "13900135678",
                                            "name": "李雷"})
    assert no_consent.status_code == 400 and "请先勾选同意" in no_consent.text
    assert 'value="13900135678"' in no_consent.text and 'value="李雷"' in no_consent.text
    bad_phone = client.post("/join", data={"t": token, "phone": "123", "consent": "yes"})
    assert bad_phone.status_code == 400 and "请填写正确的手机号" in bad_phone.text
    assert client.get("/api/v1/members", params={"q": "13900135678"},
                      headers=auth(cast.admin_token)).status_code == 404


@pytest.mark.parametrize("bad", ["forged", "expired", "missing", "non-ascii", "long"])
def test_a_forged_or_expired_link_is_refused(client_for: ClientFor, cast: Cast,
                                             engine: Engine, settings: Settings,
                                             bad: str) -> None:
    client = client_for()
    token = _token(client, cast, engine)
    tokens = {
        "forged": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "expired": codes.sign_enrol_link(secret=settings.secret_key, store_id=cast.store_a,
                                         clerk=None, now=utcnow() - timedelta(days=40),
                                         days=30),
        "missing": "", "non-ascii": "x.é", "long": "x" * 600,
    }
    expected = {"forged": "不是本品牌生成", "expired": "已过期", "missing": "缺少二维码信息",
                "non-ascii": "不是本品牌生成", "long": "不是本品牌生成"}
    page = client.get("/join", params={"t": tokens[bad]})
    assert page.status_code == 400 and expected[bad] in page.text, page.text
    post = client.post("/join", data={"t": tokens[bad], "phone": "13900135678",
                                      "consent": "yes"})
    assert post.status_code == 400 and expected[bad] in post.text
    assert client.get("/api/v1/members", params={"q": "13900135678"},
                      headers=auth(cast.admin_token)).status_code == 404


def _referral_world(client: TestClient, cast: Cast) -> tuple[str, str]:
    create_template(client, cast.marketer_token, name="邀请有礼", amount_off=2000,
                    min_spend=0, per_person_limit=100, stock=None)
    create_template(client, cast.marketer_token, name="新人券 满100减20", amount_off=2000,
                    min_spend=10_000, valid_days=14)
    inviter = make_persons(client, cast.app_key, 1)[0]
    r = client.post("/api/v1/referrals/code", headers=auth(cast.marketer_token),
                    json={"person": inviter})
    return inviter, str(r.json()["code"])


def _referrals(client: TestClient, cast: Cast, inviter: str) -> dict[str, Any]:
    return dict(client.get("/api/v1/referrals", params={"person": inviter},
                           headers=auth(cast.marketer_token)).json())


@pytest.mark.parametrize("trigger", ["enrolment", "first_order"])
def test_the_share_link_page_enrols_with_the_referral(client_for: ClientFor, cast: Cast,
                                                      trigger: str) -> None:
    client = client_for(referral_inviter_template=1, referral_invitee_template=2,
                        referral_trigger=trigger)
    inviter, code = _referral_world(client, cast)
    page = client.get(f"/r/{code.lower()}")
    assert page.status_code == 200, page.text
    assert "新人券 满100减20" in page.text and "立减 ¥20" in page.text
    assert "满 ¥100 可用" in page.text and f'action="/r/{code}"' in page.text
    english = client.get(f"/r/{code}", params={"lang": "en"}).text
    assert "¥20 off" in english and "on orders from ¥100" in english
    done = client.post(f"/r/{code}", data={"phone": "13700001111", "consent": "yes"})
    assert done.status_code == 201, done.text
    member = _member(client, cast, MEMBER_NO.search(done.text).group(1))  # type: ignore[union-attr]
    assert (member["channel"], member["store_id"]) == ("online", None)
    seen = _referrals(client, cast, inviter)
    status = "granted" if trigger == "enrolment" else "pending"
    assert [(r["status"], r["invitee_person_id"]) for r in seen["data"]] == [
        (status, member["person_id"])]
    shown = "已放入您的账户" if trigger == "enrolment" else "完成首单后"
    assert shown in done.text


def test_an_unknown_share_code_is_a_clear_page(client_for: ClientFor, cast: Cast) -> None:
    client = client_for()
    mistyped = client.get("/r/ZZZZZZZZ")
    assert mistyped.status_code == 400 and "不完整或有误" in mistyped.text
    unknown = client.get(f"/r/2345678{check_char('2345678')}", params={"lang": "en"})
    assert unknown.status_code == 404 and "invitation link is not valid" in unknown.text
    post = client.post("/r/ZZZZZZZZ", data={"phone": "13700001111", "consent": "yes"})
    assert post.status_code == 400


def test_the_app_link_base_takes_the_visitor_to_the_app(client_for: ClientFor, cast: Cast,
                                                       engine: Engine) -> None:
    client = client_for(app_link_base="https://app.hemu.example/open/")
    token = _token(client, cast, engine)
    join = client.get("/join", params={"t": token})
    assert join.status_code == 302
    assert join.headers["location"] == f"https://app.hemu.example/open/join?t={token}"
    share = client.get("/r/3RX8Q9KY")
    assert share.status_code == 302
    assert share.headers["location"] == "https://app.hemu.example/open/r/3RX8Q9KY"


def test_enrolments_from_one_address_are_limited(client_for: ClientFor, cast: Cast,
                                                 engine: Engine) -> None:
    client = client_for(landing_enrol_limit=2)
    token = _token(client, cast, engine)
    answers = [client.post("/join", data={"t": token, "phone": f"1390013567{n}",
                                          "consent": "yes"}).status_code for n in range(3)]
    assert answers == [201, 201, 429]


def test_the_limits_forget_old_attempts() -> None:
    now = [0.0]
    limits = EnrolLimits(2, 60, clock=lambda: now[0])
    assert [limits.allow(address="a", link="L") for _ in range(3)] == [True, True, False]
    assert limits.allow(address="b", link="L")
    now[0] = 61
    assert limits.allow(address="a", link="L")
    many = EnrolLimits(1, 60, clock=lambda: now[0])
    assert sum(many.allow(address=f"ip{n}", link="poster") for n in range(20)) == 10
