"""Running a console form's action in its own transaction and answering with a redirect that
carries a clear success or the reason for refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from datong.errors import DatongError
from datong.web.i18n import Translator
from datong.web.refusals import explain
from datong.web.render import language, redirect


def run(request: Request, back: str, action: Callable[[], Any],
        success: Callable[[Translator, Any], str]) -> RedirectResponse:
    """Run `action` (which opens whatever transactions it needs), then go back to `back`."""
    t = Translator(language(request))
    try:
        result = action()
    except DatongError as exc:
        return redirect(request, back, flash=("error", explain(request, exc)))
    return redirect(request, back, flash=("ok", success(t, result)))


def act(request: Request, back: str, action: Callable[[Connection], Any],
        success: Callable[[Translator, Any], str]) -> RedirectResponse:
    """Run `action` in one transaction (rolled back when it raises a typed error), then go
    back to `back`."""
    def in_transaction() -> Any:
        with request.app.state.runtime.engine.begin() as db:
            return action(db)

    return run(request, back, in_transaction, success)
