"""The console shell over real HTTP: sign-in with lockout, server-side sessions, CSRF on
every form, sign-out, role-aware navigation, languages, friendly error pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from datong.web.tables import console_sessions
from tests.conftest import Cast
from tests.console import PASSWORD, csrf_of, make_staff, post_form, sign_in


def test_sign_in_lands_by_role_and_sign_out_ends_the_session(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    assert client.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/login?next=/console/")
    r = sign_in(client, staff.marketer)
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    cookie = r.cookies.get("datong_session")
    assert cookie and "httponly" in r.headers["set-cookie"].lower()
    with engine.connect() as db:  # the cookie is a random token; only its hash is stored
        assert db.execute(select(func.count()).select_from(console_sessions)).scalar() == 1
        stored = db.execute(select(console_sessions.c.token_hash)).scalar()
    assert stored != cookie and len(stored) == 64
    page = client.get("/console/")
    assert page.status_code == 200 and "经营概览" in page.text
    assert 'href="/console/customers"' in page.text
    assert 'href="/console/admin/tokens"' not in page.text  # not an admin
    assert 'href="/console/counter"' not in page.text  # nor a clerk

    r = post_form(client, "/console/", "/console/logout")
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    with engine.connect() as db:
        assert db.execute(select(func.count()).select_from(console_sessions)).scalar() == 0
    client.cookies.set("datong_session", cookie)  # a stolen old cookie is worth nothing
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_clerk_sees_only_the_counter_of_their_store(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    r = sign_in(client, staff.clerk_a, next_path="/console/counter")
    assert r.headers["location"] == "/console/counter"
    page = client.get("/console/counter")
    assert page.status_code == 200 and "上海静安店" in page.text
    nav = page.text.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert nav.count("<li>") == 1 and "/console/counter" in nav
    for path in ("/console/", "/console/customers", "/console/customers/1",
                 "/console/admin/staff", "/console/suggestions"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "你的角色无权进行此操作" in refused.text and "Traceback" not in refused.text


def test_wrong_passwords_lock_the_account_and_say_so(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    for _ in range(4):
        r = sign_in(client, staff.marketer, "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = sign_in(client, staff.marketer, "wrong-password")  # the fifth locks it
    assert r.status_code == 401
    r = sign_in(client, staff.marketer, PASSWORD)  # even the right one, for a while
    assert r.status_code == 401 and "账号已暂时锁定" in r.text
    assert sign_in(client, "nobody").status_code == 401


def test_every_form_needs_the_session_csrf_token(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    page = client.get("/console/login")
    r = client.post("/console/login", data={"username": staff.admin, "password": PASSWORD,
                                            "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "表单已过期" in r.text
    assert csrf_of(page.text)
    sign_in(client, staff.admin)
    for action, fields in (
        ("/console/logout", {}),
        ("/console/admin/stores", {"code": "GZ01", "name": "广州店"}),
        ("/console/customers/1/tags", {"tag": "vip"}),
    ):
        for token in (None, "not-the-token"):
            data = dict(fields) if token is None else {**fields, "csrf": token}
            refused = client.post(action, data=data, follow_redirects=False)
            assert refused.status_code == 403, (action, token)
    assert client.get("/console/admin/stores").status_code == 200  # still signed in
    assert "GZ01" not in client.get("/console/admin/stores").text
    other = TestClient(client.app)  # another browser's session token does not work here
    sign_in(other, staff.marketer)
    theirs = csrf_of(other.get("/console/").text)
    r = client.post("/console/admin/stores", data={"csrf": theirs, "code": "GZ01",
                                                   "name": "广州店"}, follow_redirects=False)
    assert r.status_code == 403


def test_language_switch_is_remembered(client: TestClient, engine: Engine, cast: Cast) -> None:
    staff = make_staff(engine, cast)
    assert "员工登录" in client.get("/console/login").text  # zh-CN by default
    english = client.get("/console/login?lang=en")
    assert "Staff sign-in" in english.text and 'lang="en"' in english.text
    sign_in(client, staff.marketer)
    assert "Overview" in client.get("/console/").text  # the cookie keeps the choice
    assert "经营概览" in client.get("/console/?lang=zh-CN").text
    assert "经营概览" in client.get("/console/").text
    fresh = TestClient(client.app, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Staff sign-in" in fresh.get("/console/login").text


def test_errors_are_pages_in_the_readers_language(
    client: TestClient, engine: Engine, cast: Cast
) -> None:
    staff = make_staff(engine, cast)
    sign_in(client, staff.admin)
    missing = client.get("/console/customers/999999")
    assert missing.status_code == 404 and "<h1>没有找到你要的内容。</h1>" in missing.text
    assert "no person 999999" in missing.text
    bad = client.get("/console/?since=not-a-date&lang=en")
    assert bad.status_code == 400 and "Something in the input is not right" in bad.text
    assert client.get("/console/no-such-page").status_code == 404
    backwards = client.get("/console/?since=2026-11-10&until=2026-11-01")
    assert backwards.status_code == 400 and "since" in backwards.text
    for r in (missing, bad, backwards):
        assert r.headers["content-type"].startswith("text/html")
        assert "Traceback" not in r.text
    api = client.get("/api/v1/profiles/999999")  # the API keeps answering JSON
    assert api.headers["content-type"].startswith("application/json")


def test_odd_input_is_a_clear_page_never_a_500(client: TestClient, engine: Engine,
                                                cast: Cast) -> None:
    """Ids beyond what the database holds, digits that are not ASCII, a forged CSRF token or
    flash cookie with non-ASCII text: each is a 4xx page or is ignored, never a 500."""
    staff = make_staff(engine, cast)
    sign_in(client, staff.admin)
    huge = "99999999999999999999"
    for path in (f"/console/customers/{huge}", f"/console/admin/quarantine/{huge}"):
        r = client.get(path)
        assert 400 <= r.status_code < 500 and "Traceback" not in r.text, (path, r.status_code)
    found = client.get("/console/customers", params={"q": "²"})
    assert found.status_code == 200
    forged = client.post("/console/customers/1/tags", data={"tag": "vip", "csrf": "令牌"},
                         follow_redirects=False)
    assert forged.status_code == 403
    session = client.cookies["datong_session"]  # and a flash cookie as a browser may send it
    odd_cookie = f"datong_session={session}; datong_flash=x.sig\u00e9".encode("latin-1")
    page = client.get("/console/customers", headers={"cookie": odd_cookie},
                      follow_redirects=False)
    assert page.status_code == 200 and "datong_flash" not in page.text


def test_assets_come_from_the_installed_packages(client: TestClient) -> None:
    chart = client.get("/console/vendor/chart.js")
    assert chart.status_code == 200 and "Chart" in chart.text[:5000]
    assert client.get("/console/vendor/jsqr.js").status_code == 200
    assert client.get("/console/vendor/left-pad.js").status_code == 404
    assert client.get("/console/static/console.css").status_code == 200
    assert client.get("/console/static/..%2Fsessions.py").status_code == 404
