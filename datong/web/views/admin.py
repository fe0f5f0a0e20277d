"""Admin pages: sources and write keys, API tokens, stores, staff, and the quarantine."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import Connection

from datong.auth.tokens import create_token, list_tokens, revoke_token
from datong.bounds import Id
from datong.errors import DatongError, Invalid
from datong.ingest import quarantine
from datong.ingest.sources import create_source, list_sources
from datong.staff.service import create_staff, list_staff
from datong.stores.schemas import StoreCreate, parse_hours
from datong.stores.service import create_store as add_store
from datong.stores.service import get_store, list_stores
from datong.web.actions import act
from datong.web.deps import AdminOnly, PostAdmin
from datong.web.refusals import explain
from datong.web.render import render
from datong.web.sessions import ConsoleUser

router = APIRouter(prefix="/console/admin", include_in_schema=False)
Text = Annotated[str, Form(max_length=500)]


def _read(request: Request) -> Any:
    return request.app.state.runtime.engine.connect().execution_options(readonly=True)


def _listing(request: Request) -> dict[str, Any]:
    with _read(request) as db, db.begin():
        return {"sources": list_sources(db=db), "tokens": list_tokens(db=db),
                "stores": list_stores(db=db), "staff": list_staff(db=db)}


def _page(request: Request, name: str, user: ConsoleUser, **extra: Any) -> HTMLResponse:
    return render(request, f"admin_{name}.html", {**_listing(request), **extra}, user=user,
                  status=201 if extra.get("secret") else 200)


def _create_shown_once(request: Request, name: str, user: ConsoleUser,
                       make: Any) -> HTMLResponse:
    """Secrets are shown on the answer to the form itself, once, never via a redirect."""
    try:
        with request.app.state.runtime.engine.begin() as db:
            secret = make(db)
    except DatongError as exc:
        response = _page(request, name, user, failure=explain(request, exc))
        response.status_code = exc.status
        return response
    return _page(request, name, user, secret=secret)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, user: AdminOnly) -> HTMLResponse:
    return _page(request, "sources", user)


@router.post("/sources", response_class=HTMLResponse)
def post_source(request: Request, user: PostAdmin, name: Text = "", channel: Text = "",
                user_id_type: Text = "user_id") -> HTMLResponse:
    rules = request.app.state.runtime.settings.rules

    def make(db: Connection) -> str:
        if user_id_type not in rules.by_type:
            raise Invalid(f"user_id_type must be one of {', '.join(rules.by_type)}",
                          field="user_id_type", code="bad_source_type")
        return create_source(db=db, name=name.strip(), channel=channel,
                             user_id_type=user_id_type)[1]

    return _create_shown_once(request, "sources", user, make)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: AdminOnly) -> HTMLResponse:
    return _page(request, "tokens", user)


def _store_id(db: Connection, code: str) -> int | None:
    return get_store(db=db, code=code).id if code.strip() else None


@router.post("/tokens", response_class=HTMLResponse)
def post_token(request: Request, user: PostAdmin, name: Text = "", role: Text = "",
               store: Text = "") -> HTMLResponse:
    return _create_shown_once(request, "tokens", user, lambda db: create_token(
        db=db, name=name.strip(), role=role, store_id=_store_id(db, store)))


@router.post("/tokens/revoke")
def post_revoke(request: Request, user: PostAdmin, name: Text = "") -> RedirectResponse:
    return act(request, "/console/admin/tokens", lambda db: revoke_token(db=db, name=name),
               lambda t, _: t("admin.token_revoked", name=name))


@router.get("/stores", response_class=HTMLResponse)
def stores_page(request: Request, user: AdminOnly) -> HTMLResponse:
    return _page(request, "stores", user)


def _store_data(code: str, name: str, city: str, address: str, timezone: str,
                hours: str) -> StoreCreate:
    try:
        opening = parse_hours(hours) if hours.strip() else None
        values: dict[str, Any] = {"code": code.strip(), "name": name.strip(),
                                  "city": city.strip(), "address": address.strip(),
                                  "timezone": timezone.strip() or "Asia/Shanghai"}
        if opening is not None:
            values["opening_hours"] = opening
        return StoreCreate(**values)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "store"
            raise Invalid(f"{field}: {str(first['msg']).removeprefix('Value error, ')}",
                          field=field) from None
        raise Invalid(f"opening hours: {exc}", field="hours") from None


@router.post("/stores")
def post_store(request: Request, user: PostAdmin, code: Text = "", name: Text = "",
               city: Text = "", address: Text = "", timezone: Text = "",
               hours: Text = "") -> RedirectResponse:
    return act(request, "/console/admin/stores",
               lambda db: add_store(db=db, data=_store_data(code, name, city, address,
                                                            timezone, hours)),
               lambda t, store: t("admin.store_created", code=store.code))


@router.get("/staff", response_class=HTMLResponse)
def staff_page(request: Request, user: AdminOnly) -> HTMLResponse:
    return _page(request, "staff", user)


@router.post("/staff")
def post_staff(request: Request, user: PostAdmin, username: Text = "", display_name: Text = "",
               role: Text = "", store: Text = "",
               password: Annotated[str, Form(max_length=200)] = "") -> RedirectResponse:
    return act(request, "/console/admin/staff",
               lambda db: create_staff(db=db, username=username.strip(), password=password,
                                       role=role, display_name=display_name.strip(),
                                       store_id=_store_id(db, store)),
               lambda t, _: t("admin.staff_created", username=username.strip()))


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_page(request: Request, user: AdminOnly, status: str = "pending",
                    cursor: int | None = None) -> HTMLResponse:
    with _read(request) as db, db.begin():
        page = quarantine.list_quarantine(db=db, status=status or None, reason_code=None,
                                          cursor=cursor, limit=50)
    return render(request, "admin_quarantine.html", {
        "page": page, "status": status, "statuses": quarantine.STATUSES,
    }, user=user)


@router.get("/quarantine/{item_id}", response_class=HTMLResponse)
def quarantined_page(request: Request, user: AdminOnly, item_id: Id) -> HTMLResponse:
    with _read(request) as db, db.begin():
        item = quarantine.get_quarantined(db=db, item_id=item_id)
    return render(request, "admin_quarantined.html", {
        "item": item, "raw": orjson.dumps(item.raw, option=orjson.OPT_INDENT_2).decode(),
    }, user=user)


def _fixed(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"the fixed message is not JSON: {exc}", field="message") from None
    if not isinstance(message, dict):
        raise Invalid("the fixed message must be a JSON object", field="message")
    return message


@router.post("/quarantine/{item_id}/replay")
def post_replay(request: Request, user: PostAdmin, item_id: Id,
                message: Annotated[str, Form(max_length=200_000)] = "") -> RedirectResponse:
    hooks = request.app.state.runtime.writer.hooks
    return act(request, f"/console/admin/quarantine/{item_id}",
               lambda db: quarantine.replay(db=db, item_id=item_id, fixed=_fixed(message),
                                            hooks=hooks),
               lambda t, item: t("admin.replayed", event=item.eventId))


@router.post("/quarantine/{item_id}/discard")
def post_discard(request: Request, user: PostAdmin, item_id: Id) -> RedirectResponse:
    return act(request, f"/console/admin/quarantine/{item_id}",
               lambda db: quarantine.discard(db=db, item_id=item_id),
               lambda t, _: t("admin.discarded"))
