"""Who is signed in to the console, what their role lets them open, and the CSRF check on
every form they send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Header, Request

from datong.auth.roles import Role, require_role
from datong.errors import Forbidden, Unauthorized
from datong.web.security import check_csrf
from datong.web.sessions import ConsoleUser, current_user

SESSION_COOKIE = "datong_session"
LOGIN_CSRF_COOKIE = "datong_login_csrf"


class SignInNeeded(Unauthorized):
    """No valid session: the console answers with a redirect to the sign-in page."""

    code = "sign_in"

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to the console first")
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/console/login?next={quote(self.next_path, safe='/')}"


def session_user(request: Request) -> ConsoleUser | None:
    """The signed-in staff member, looked up once per request."""
    if hasattr(request.state, "console_user"):
        found: ConsoleUser | None = request.state.console_user
        return found
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        with request.app.state.runtime.engine.begin() as db:
            user = current_user(db=db, token=token)
    request.state.console_user = user
    return user


def _signed_in(*roles: Role, counter: bool = False) -> Callable[[Request], ConsoleUser]:
    def dependency(request: Request) -> ConsoleUser:
        user = session_user(request)
        if user is None:
            raise SignInNeeded(request.url.path)
        if roles:
            require_role(user.role, *roles)
        if counter and not user.at_counter:
            raise Forbidden("the counter page is for clerks and store managers of a store",
                            code="counter_only")
        return user

    return dependency


def _posting(check: Callable[[Request], ConsoleUser]) -> Callable[..., ConsoleUser]:
    def dependency(
        request: Request,
        csrf: Annotated[str | None, Form()] = None,
        x_csrf_token: Annotated[str | None, Header()] = None,
    ) -> ConsoleUser:
        user = check(request)
        check_csrf(user.csrf_token, csrf or x_csrf_token)
        return user

    return dependency


_any = _signed_in()
_marketing = _signed_in(Role.admin, Role.marketer)
_admin = _signed_in(Role.admin)
_counter = _signed_in(Role.clerk, Role.store_manager, counter=True)

SignedIn = Annotated[ConsoleUser, Depends(_any)]
Marketing = Annotated[ConsoleUser, Depends(_marketing)]
AdminOnly = Annotated[ConsoleUser, Depends(_admin)]
AtCounter = Annotated[ConsoleUser, Depends(_counter)]

PostSignedIn = Annotated[ConsoleUser, Depends(_posting(_any))]
PostMarketing = Annotated[ConsoleUser, Depends(_posting(_marketing))]
PostAdmin = Annotated[ConsoleUser, Depends(_posting(_admin))]
PostCounter = Annotated[ConsoleUser, Depends(_posting(_counter))]
