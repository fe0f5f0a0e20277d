"""Errors on console pages become friendly pages in the reader's language, never a
traceback; a missing session becomes a redirect to the sign-in page."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from datong.api.errors import first_validation_message
from datong.errors import DatongError
from datong.web.deps import SignInNeeded, session_user
from datong.web.i18n import Translator
from datong.web.render import language, render

CONSOLE = "/console"
logger = logging.getLogger(__name__)


def error_text(t: Translator, code: str, message: str) -> str:
    """A translated headline for the error's code, then the detail the service gave."""
    key = f"error.{code}"
    headline = t(key) if t.has(key) else t("error.generic")
    return f"{headline} {t('error.detail')}{message}" if message else headline


def _describe(request: Request, exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, DatongError):
        return exc.status, exc.code, exc.message
    if isinstance(exc, RequestValidationError):
        return 400, "invalid", first_validation_message(exc)[1]
    if isinstance(exc, StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return exc.status_code, code, "" if exc.status_code == 404 else str(exc.detail)
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return 500, "internal", ""


def console_error(request: Request, exc: Exception) -> Response | None:
    """The console's answer to an error on one of its pages; None for other paths."""
    if not request.url.path.startswith(CONSOLE):
        return None
    if isinstance(exc, SignInNeeded):
        return RedirectResponse(exc.location, status_code=303)
    status, code, message = _describe(request, exc)
    t = Translator(language(request))
    try:
        user = session_user(request)
    except Exception:  # the store itself may be what failed
        user = None
    return render(request, "error.html", {
        "status": status, "code": code,
        "headline": t(f"error.{code}") if t.has(f"error.{code}") else t("error.generic"),
        "detail": message,
    }, user=user, status=status)
