"""Rendering console pages: the templates, their filters, the language and the navigation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from datong.auth.roles import Role
from datong.web.i18n import Translator, other_language, pick_language
from datong.web.security import pack_flash, unpack_flash
from datong.web.sessions import ConsoleUser

LANG_COOKIE = "datong_lang"
FLASH_COOKIE = "datong_flash"
YEAR = 365 * 24 * 3600

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

MARKETING = (Role.admin, Role.marketer)
# (message key, path, roles that see it); a clerk's console is the counter alone.
NAV: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("nav.overview", "/console/", MARKETING),
    ("nav.customers", "/console/customers", MARKETING),
    ("nav.suggestions", "/console/suggestions", (Role.admin,)),
    ("nav.counter", "/console/counter", (Role.clerk, Role.store_manager)),
    ("nav.sources", "/console/admin/sources", (Role.admin,)),
    ("nav.tokens", "/console/admin/tokens", (Role.admin,)),
    ("nav.stores", "/console/admin/stores", (Role.admin,)),
    ("nav.staff", "/console/admin/staff", (Role.admin,)),
    ("nav.quarantine", "/console/admin/quarantine", (Role.admin,)),
    ("nav.loyalty", "/console/admin/loyalty", (Role.admin,)),
    ("nav.coupons", "/console/admin/coupons", (Role.admin,)),
    ("nav.reservations", "/console/admin/reservations", (Role.admin,)),
)


def home_of(user: ConsoleUser) -> str:
    """Where a staff member lands after signing in."""
    return "/console/counter" if user.at_counter else "/console/"


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"),
                         request.headers.get("accept-language"),
                         request.cookies.get(LANG_COOKIE))


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.runtime.settings.timezone)


def money(fen: int | None) -> str:
    """Integer fen as yuan: ¥1,234.50."""
    if fen is None:
        return "–"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.removeprefix("+86")
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else value


def _when_filter(request: Request) -> Any:
    zone = _zone(request)

    def when(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(zone).strftime(fmt)

    return when


def _flash(request: Request) -> tuple[str, str] | None:
    secret = request.app.state.runtime.settings.secret_key
    return unpack_flash(secret, request.cookies.get(FLASH_COOKIE))


def render(request: Request, name: str, context: dict[str, Any], *,
           user: ConsoleUser | None, status: int = 200) -> HTMLResponse:
    """A console page in the reader's language; `?lang=` also remembers the choice."""
    lang = language(request)
    t = Translator(lang)
    nav = [(t(key), path) for key, path, roles in NAV if user and user.role in roles]
    flash = _flash(request)
    response = templates.TemplateResponse(request, name, {
        "t": t, "lang": lang, "other_lang": other_language(lang), "user": user, "nav": nav,
        "csrf": user.csrf_token if user else context.pop("login_csrf", ""),
        "flash": flash, "path": request.url.path, "money": money, "mask_phone": mask_phone,
        "when": _when_filter(request), **context,
    }, status_code=status)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    if request.query_params.get("lang") in ("zh-CN", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, path="/", samesite="lax")
    return response


def redirect(request: Request, to: str, *, flash: tuple[str, str] | None = None
             ) -> RedirectResponse:
    """303 to `to` (after a POST), with a one-shot message for the next page."""
    response = RedirectResponse(to, status_code=303)
    if flash is not None:
        secret = request.app.state.runtime.settings.secret_key
        response.set_cookie(FLASH_COOKIE, pack_flash(secret, *flash), max_age=60,
                            path="/console", httponly=True, samesite="lax")
    return response
