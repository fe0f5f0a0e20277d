"""The pages a phone camera opens: `/join?t=…` (a store's or clerk's enrolment QR) and
`/r/{code}` (a member's share link). Public, no sign-in; thin over landing.service.

Form fields are read as plain strings and checked by the service, so every refusal is a
page in the visitor's language, never a JSON error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from datong.errors import DatongError
from datong.landing import service
from datong.landing.text import Text, describe_offer, pick_language
from datong.landing.throttle import EnrolLimits
from datong.offers import referral
from datong.offers.context import OffersContext
from datong.runtime import Runtime

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
FormText = Annotated[str, Form()]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _text(request: Request, lang: str | None = None) -> Text:
    chosen = lang or request.query_params.get("lang")
    return Text(pick_language(chosen, request.headers.get("accept-language")))


def _page(request: Request, t: Text, name: str, status: int = 200,
          **context: Any) -> HTMLResponse:
    """A page in the visitor's language; `switch` is the same page in the other one."""
    if "switch" not in context:
        context["switch"] = (str(request.url.include_query_params(lang=t.other()))
                             if request.method == "GET" else None)
    response = templates.TemplateResponse(request, name, {
        "t": t, "lang": t.lang, "other_lang": t.other(), **context}, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays on this page
    return response


def _refused(request: Request, t: Text, exc: DatongError) -> HTMLResponse:
    key = f"error.{exc.code}"
    status = exc.status if 400 <= exc.status < 500 else 503
    return _page(request, t, "refused.html", status,
                 message=t(key) if t.has(key) else t("error.generic"))


def _allowed(request: Request, link: str) -> bool:
    state = request.app.state
    if getattr(state, "landing_limits", None) is None:
        state.landing_limits = EnrolLimits(_runtime(request).settings.landing_enrol_limit)
    address = request.client.host if request.client else "unknown"
    allowed: bool = state.landing_limits.allow(address=address, link=link)
    return allowed


def _form_error(exc: DatongError) -> str | None:
    """The message key of a mistake the visitor fixes on the form, else None."""
    if exc.code == "consent":
        return "error.consent"
    if exc.field == "phone" and exc.code in ("phone", "bad_phone", "invalid"):
        return "error.phone"
    return None


def _too_many(request: Request, t: Text) -> HTMLResponse:
    response = _page(request, t, "refused.html", 429, message=t("error.too_many"))
    response.headers["Retry-After"] = "600"
    return response


# --- /join: a store's or a clerk's enrolment QR code -------------------------------------

@router.get("/join", response_class=HTMLResponse)
def get_join(request: Request, token: Annotated[str | None, Query(alias="t")] = None
             ) -> Response:
    """The enrolment form, naming the store (and clerk) the QR code belongs to."""
    runtime, t = _runtime(request), _text(request)
    target = service.app_link(runtime.settings, service.join_path(token or ""))
    if target is not None:
        return RedirectResponse(target, status_code=302)
    try:
        with runtime.engine.connect() as db:
            link = service.read_join_link(db=db, settings=runtime.settings, token=token)
    except DatongError as exc:
        return _refused(request, t, exc)
    return _page(request, t, "join.html", link=link, values={}, error=None,
                 switch=_join_switch(link, t))


def _join_switch(link: service.JoinLink, t: Text) -> str:
    return f"/{service.join_path(link.token)}&lang={t.other()}"


@router.post("/join", response_class=HTMLResponse)
def post_join(request: Request, t: FormText = "", phone: FormText = "", name: FormText = "",
              consent: FormText = "", lang: FormText = "") -> Response:
    runtime, text = _runtime(request), _text(request, lang)
    if not _allowed(request, f"join:{t[:100]}"):
        return _too_many(request, text)
    try:
        with runtime.engine.connect() as db:
            link = service.read_join_link(db=db, settings=runtime.settings, token=t)
        with runtime.engine.begin() as db:  # a refusal rolls the whole enrolment back
            welcome = service.enrol_visitor(
                db=db, settings=runtime.settings, outbox=runtime.outbox,
                hooks=runtime.writer.hooks, phone=phone, name=name, consent=bool(consent),
                token=link.token)
    except DatongError as exc:
        if (mistake := _form_error(exc)) is None:
            return _refused(request, text, exc)
        return _page(request, text, "join.html", 400, link=link, switch=_join_switch(link, text),
                     values={"phone": phone, "name": name}, error=text(mistake))
    return _page(request, text, "welcome.html", 201, welcome=welcome, reward=None)


# --- /r/{code}: a member's share link ----------------------------------------------------

def _invitation(runtime: Runtime, db: Any, code: str) -> dict[str, Any]:
    ctx = OffersContext.build(runtime.settings, runtime.outbox)
    return referral.invitation(db=db, ctx=ctx, code=code[:60])


@router.get("/r/{code}", response_class=HTMLResponse)
def get_referral(request: Request, code: str) -> Response:
    """The invitee's offer and an enrolment form carrying the share code."""
    runtime, t = _runtime(request), _text(request)
    target = service.app_link(runtime.settings, f"r/{code[:60]}")
    if target is not None:
        return RedirectResponse(target, status_code=302)
    try:
        with runtime.engine.connect() as db:
            invite = _invitation(runtime, db, code)
    except DatongError as exc:
        return _refused(request, t, exc)
    return _page(request, t, "referral.html", **_offer(t, invite), values={}, error=None)


def _offer(t: Text, invite: dict[str, Any]) -> dict[str, Any]:
    offer = invite["offer"]
    return {"invite": invite, "switch": f"/r/{invite['code']}?lang={t.other()}",
            "offer_lines": describe_offer(t, offer["terms"]) if offer else []}


@router.post("/r/{code}", response_class=HTMLResponse)
def post_referral(request: Request, code: str, phone: FormText = "", name: FormText = "",
                  consent: FormText = "", lang: FormText = "") -> Response:
    runtime, t = _runtime(request), _text(request, lang)
    if not _allowed(request, f"r:{code[:60]}"):
        return _too_many(request, t)
    try:
        with runtime.engine.connect() as db:
            invite = _invitation(runtime, db, code)
        with runtime.engine.begin() as db:  # a refusal rolls the whole enrolment back
            welcome = service.enrol_visitor(
                db=db, settings=runtime.settings, outbox=runtime.outbox,
                hooks=runtime.writer.hooks, phone=phone, name=name, consent=bool(consent),
                referral_code=invite["code"])
            reward = service.invitee_reward(db, welcome.person_id)
    except DatongError as exc:
        if (mistake := _form_error(exc)) is None:
            return _refused(request, t, exc)
        return _page(request, t, "referral.html", 400, **_offer(t, invite),
                     values={"phone": phone, "name": name}, error=t(mistake))
    return _page(request, t, "welcome.html", 201, welcome=welcome,
                 reward=_reward_line(t, reward, invite["offer"]))


def _reward_line(t: Text, reward: dict[str, Any] | None,
                 offer: dict[str, Any] | None) -> str | None:
    if reward is None or offer is None:
        return None
    if reward["status"] == "granted" and reward["coupon_id"] is not None:
        return t("reward.granted", name=offer["name"])
    return t("reward.pending") if reward["status"] == "pending" else None
