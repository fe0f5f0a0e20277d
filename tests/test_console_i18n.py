"""Every console string exists in both languages, every key a template or view uses exists,
and rendered pages carry no untranslated key."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.errors import Conflict, Invalid
from datong.web.coupon_form import CHANNELS, KINDS
from datong.web.i18n import LANGUAGES, MISSING, Translator, pick_language
from datong.web.messages import MESSAGES
from datong.web.refusals import error_text
from tests.conftest import Cast
from tests.console import make_staff, omnichannel_customer, sign_in

PACKAGE = Path(__file__).resolve().parents[1] / "datong"
WEB = PACKAGE / "web"
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
    "tplstatus.": ("active", "paused", "ended"),
    "entry.": ("earn", "release", "bonus", "redeem", "expire", "reverse", "repay", "adjust",
               "merge", "split"),
    "cause.": ("order", "refund", "payment", "coupon", "expiry", "birthday", "debt", "merge",
               "split", "split_settlement", "admin"),
    "statement.note_": ("debt", "pending"),
    "tplform.kind_": KINDS,
    "tplform.channels_": CHANNELS,
    "tplform.": ("err_required", "err_amount", "err_whole", "err_limit", "err_percent",
                 "err_days", "err_date", "err_dates_order", "err_tier_off", "err_tiers_none",
                 "err_above_min_spend", "err_choice", "err_terms"),
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


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """DatongError and every class that derives from it, by name, across the package."""
    known = {"DatongError"}
    while True:
        more = {node.name for tree in trees for node in ast.walk(tree)
                if isinstance(node, ast.ClassDef) and node.name not in known
                and any(isinstance(b, ast.Name) and b.id in known for b in node.bases)}
        if not more:
            return known
        known |= more


def raised_codes() -> dict[str, str]:
    """Every error code the package can raise: `code="…"` given to a DatongError (or a
    subclass) and `code = "…"` declared on one; code → where it was found."""
    files = sorted(PACKAGE.rglob("*.py"))
    trees = [ast.parse(f.read_text(encoding="utf-8")) for f in files]
    errors = _error_classes(trees)
    found: dict[str, str] = {}
    for path, tree in zip(files, trees, strict=True):
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in errors:
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        found.setdefault(str(kw.value.value), f"{where}:{node.lineno}")
            if isinstance(node, ast.ClassDef) and node.name in errors:
                for item in node.body:
                    if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                            and any(getattr(t, "id", None) == "code" for t in item.targets)):
                        found.setdefault(str(item.value.value), f"{where}:{item.lineno}")
    return found


def test_every_error_code_raised_has_a_message_in_both_languages() -> None:
    codes = raised_codes()
    assert {"below_min_spend", "member_code_expired", "slot_full", "invalid",
            "sign_in"} <= set(codes)  # the scan sees calls and class attributes
    assert "gold" not in codes  # a tier's code is not an error's
    missing = {code: where for code, where in codes.items() if f"error.{code}" not in MESSAGES}
    assert not missing, f"error codes without a console message: {missing}"
    for status in ("expired", "captured", "released"):  # raised as f"hold_{status}"
        assert f"error.hold_{status}" in MESSAGES


def _ledger_words() -> tuple[set[str], set[str]]:
    """The entry kinds and cause types the loyalty code writes (`Cause("order", …)`,
    `book.credit(member, points, "earn", …)`, `cause_type="coupon"`)."""
    kinds: set[str] = set()
    causes: set[str] = set()
    for path in (PACKAGE / "loyalty").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if name == "Cause" and args and isinstance(args[0], str):
                causes.add(args[0])
            # entry(member, account, kind, …) and credit/debit(member, points, kind, …)
            if name in ("entry", "credit", "debit") and len(args) > 2 and isinstance(args[2],
                                                                                   str):
                kinds.add(args[2])
    for path in PACKAGE.rglob("*.py"):
        causes |= set(re.findall(r'cause_type="(\w+)"', path.read_text(encoding="utf-8")))
    return kinds, causes


def test_every_ledger_kind_and_cause_is_worded() -> None:
    kinds, causes = _ledger_words()
    assert {"earn", "redeem", "expire", "reverse", "adjust", "merge", "split"} <= kinds
    assert {"order", "refund", "payment", "coupon", "admin"} <= causes
    assert {f"entry.{k}" for k in kinds} <= MESSAGES.keys(), kinds
    assert {f"cause.{c}" for c in causes} <= MESSAGES.keys(), causes


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


def test_refusals_read_naturally_in_both_languages() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    low = Conflict("this coupon needs an order of at least ¥300.00; this one is ¥99.00",
                   code="below_min_spend", params={"min_fen": 30000, "amount_fen": 9900})
    assert error_text(Translator("zh-CN"), low, zone) == (
        "订单金额未达到使用门槛。 需满 ¥300.00，本单 ¥99.00。")
    assert error_text(Translator("en"), low, zone) == (
        "The order is below the coupon's minimum spend. It needs ¥300.00; this order is "
        "¥99.00.")
    late = Conflict("this coupon expired on 2026-12-01 16:00 UTC", code="expired",
                    params={"until_at": "2026-12-01T16:00:00+00:00"})
    assert error_text(Translator("zh-CN"), late, zone) == (
        "这张券已过期。 有效期至 2026-12-02 00:00。")
    # A known code without parameters: the headline only, never the English message.
    assert error_text(Translator("zh-CN"), Invalid("the member code has expired",
                                                   code="member_code_expired"), zone) == (
        "会员码已过期或无效，请让顾客在 App 里刷新后再出示。")
    # A generic code names the field when the console can; else the service's message.
    assert error_text(Translator("zh-CN"), Invalid("bad", field="phone"), zone) == (
        "输入有误，请检查后重试。 请检查：手机号。")
    assert error_text(Translator("zh-CN"), Invalid("tiers.0.code: bad", field="tiers.0"),
                      zone) == "输入有误，请检查后重试。 原因：tiers.0.code: bad"
    # Parameters missing where the message wants them: the headline still reads.
    assert error_text(Translator("zh-CN"), Conflict("x", code="below_min_spend",
                                                    params={"other": 1}), zone) == (
        "订单金额未达到使用门槛。")
    # The answer of an API (validate's `reason`) renders the same as the error.
    assert error_text(Translator("zh-CN"), low.as_dict(), zone) == error_text(
        Translator("zh-CN"), low, zone)
