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
from datong.web.refusals import Refusal, detail, headline
from datong.web.render import language, render

CONSOLE = "/console"
logger = logging.getLogger(__name__)


def _describe(request: Request, exc: Exception) -> tuple[int, Refusal]:
    if isinstance(exc, DatongError):
        return exc.status, Refusal.of(exc)
    if isinstance(exc, RequestValidationError):
        field, message = first_validation_message(exc)
        return 400, Refusal("invalid", message, field)
    if isinstance(exc, StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return exc.status_code, Refusal(code, "" if exc.status_code == 404 else str(exc.detail))
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return 500, Refusal("internal")


def console_error(request: Request, exc: Exception) -> Response | None:
    """The console's answer to an error on one of its pages; None for other paths."""
    if not request.url.path.startswith(CONSOLE):
        return None
    if isinstance(exc, SignInNeeded):
        return RedirectResponse(exc.location, status_code=303)
    status, refusal = _describe(request, exc)
    t = Translator(language(request))
    try:
        user = session_user(request)
    except Exception:  # the store itself may be what failed
        user = None
    return render(request, "error.html", {
        "status": status, "code": refusal.code, "headline": headline(t, refusal.code),
        "detail": detail(t, refusal, request.app.state.runtime.settings.tz),
    }, user=user, status=status)
