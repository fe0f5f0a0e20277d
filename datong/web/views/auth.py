"""Signing in and out of the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from datong.errors import DatongError
from datong.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, PostSignedIn, session_user
from datong.web.i18n import Translator
from datong.web.refusals import headline
from datong.web.render import home_of, language, redirect, render
from datong.web.security import check_csrf, new_token
from datong.web.sessions import current_user, sign_in, sign_out

router = APIRouter(prefix="/console", include_in_schema=False)


def _safe_next(path: str | None) -> str | None:
    """Only a console path of this site: never an open redirect."""
    if path and path.startswith("/console") and not path.startswith("//") and "\\" not in path:
        return path
    return None


def _login_page(request: Request, *, next_path: str | None, error: str | None = None,
                username: str = "", status: int = 200) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(request, "login.html", {
        "login_csrf": token, "next": next_path or "", "error": error, "username": username,
    }, user=None, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        path="/console", max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    user = session_user(request)
    if user is not None:
        return RedirectResponse(_safe_next(next) or home_of(user), status_code=303)
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf)
    runtime = request.app.state.runtime
    failure: DatongError | None = None
    # The failure counter must be committed although the sign-in fails: catch inside.
    with runtime.engine.begin() as db:
        try:
            token = sign_in(db=db, username=username.strip(), password=password,
                            hours=runtime.settings.console_session_hours,
                            user_agent=request.headers.get("user-agent"))
        except DatongError as exc:
            failure = exc
    if failure is not None:
        t = Translator(language(request))
        return _login_page(request, next_path=_safe_next(next), username=username,
                           error=headline(t, failure.code), status=failure.status)
    with runtime.engine.begin() as conn:
        user = current_user(db=conn, token=token)
    assert user is not None
    response = RedirectResponse(_safe_next(next) or home_of(user), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=runtime.settings.env == "prod",
                        max_age=int(runtime.settings.console_session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/logout")
def logout(request: Request, user: PostSignedIn) -> Response:
    with request.app.state.runtime.engine.begin() as db:
        sign_out(db=db, token=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect(request, "/console/login",
                        flash=("ok", Translator(language(request))("auth.signed_out")))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
