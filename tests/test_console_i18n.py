"""Every console string exists in both languages, every key a template or view uses exists,
and rendered pages carry no untranslated key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.web.i18n import LANGUAGES, MISSING, Translator, pick_language
from datong.web.messages import MESSAGES
from tests.conftest import Cast
from tests.console import make_staff, omnichannel_customer, sign_in

WEB = Path(__file__).resolve().parents[1] / "datong" / "web"
# Keys built from a prefix in templates: every value the prefix is joined with.
DYNAMIC = {
    "role.": ("admin", "marketer", "store_manager", "clerk"),
    "channel.": ("online", "offline"),
    "overview.mix_": ("online_only", "offline_only", "both"),
    "preference.": ("online", "offline", "omnichannel", "none"),
    "etype.": ("identify", "page", "screen", "track", "alias", "group"),
    "merge.": ("merge", "split"),
    "suggestions.status_": ("pending", "accepted", "rejected", "stale"),
    "suggestions.field_": ("name", "phone", "phone_given", "email", "birthday", "city",
                           "address"),
    "quarantine.": ("pending", "replayed", "discarded"),
    "interest.": ("viewed", "carted", "bought"),
    "coupon.": ("issued", "redeemed", "expired"),
    "booking.": ("booked", "cancelled", "checked_in", "no_show"),
    "error.": ("invalid", "unauthorized", "forbidden", "not_found", "conflict", "internal",
               "locked", "csrf", "counter_only", "method_not_allowed", "other_store",
               "already_a_member", "not_a_member", "insufficient_points", "unknown_coupon",
               "forged_qr", "already_redeemed", "wrong_store", "not_booked", "too_early"),
}


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_]+)["']""", text))
        keys |= set(re.findall(r"""\(\s*["']([a-z0-9_]+\.[a-z0-9_]+)["']\s*,\s*["']/console""",
                               text))  # the navigation table
        keys |= set(re.findall(r"""["']((?:counter|overview)\.[a-z0-9_]+)["']""", text))
    return {k for k in keys if not k.endswith((".html", ".js", ".css", ".py", "_"))}


def test_every_message_has_both_languages() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key
        # The same placeholders in both, so neither language breaks on format().
        names = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in LANGUAGES}
        assert names["zh-CN"] == names["en"], key


def test_every_key_the_console_uses_exists() -> None:
    used = _used_keys() | {p + v for p, values in DYNAMIC.items() for v in values}
    missing = sorted(k for k in used if k not in MESSAGES)
    assert not missing, missing
    assert len(used) > 200


def test_an_unknown_key_is_visible_not_silent() -> None:
    assert Translator("en")("no.such_key") == MISSING.format("no.such_key")
    assert Translator("en")("customers.results", n=3) == "3 customers found"
    assert pick_language(None, "en-US,en;q=0.9") == "en"
    assert pick_language("zh", "en") == "zh-CN"
    assert pick_language(None, None, "en") == "en"
    assert pick_language("fr", None) == "zh-CN"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_render_no_untranslated_key(
    client: TestClient, engine: Engine, cast: Cast, lang: str, backend: str
) -> None:
    if backend == "postgres":
        pytest.skip("rendering does not depend on the state store; SQLite covers it")
    staff = make_staff(engine, cast)
    omnichannel_customer(client, cast)
    pages = {
        staff.admin: ["/console/", "/console/customers?q=王", "/console/customers/1",
                      "/console/suggestions", "/console/admin/sources", "/console/admin/tokens",
                      "/console/admin/stores", "/console/admin/staff",
                      "/console/admin/quarantine", "/console/customers/999999",
                      "/console/admin/loyalty", "/console/admin/coupons",
                      "/console/admin/reservations"],
        staff.clerk_a: ["/console/counter", "/console/counter?q=13812345678",
                        "/console/counter?q=13999999999", "/console/"],
    }
    other = "Overview" if lang == "zh-CN" else "经营概览"
    for username, paths in pages.items():
        client.cookies.clear()
        sign_in(client, username)
        for path in paths:
            page = client.get(path, params={"lang": lang})
            assert "⟦" not in page.text, (path, re.findall(r"⟦[^⟧]*⟧", page.text))
            assert f'lang="{lang}"' in page.text
            assert other not in page.text, path
