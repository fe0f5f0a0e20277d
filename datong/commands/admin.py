"""datong sources|tokens|stores|staff: the people and systems allowed in."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from datong.auth.tokens import create_token, list_tokens, revoke_token
from datong.commands.common import console, fail, settings, transaction
from datong.ingest.sources import create_source, list_sources
from datong.staff.service import create_staff, list_staff
from datong.stores.schemas import StoreCreate, parse_hours
from datong.stores.service import create_store, get_store, list_stores

sources_app = typer.Typer(help="Event sources and their write keys.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens with a role.", no_args_is_help=True)
stores_app = typer.Typer(help="Physical stores.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts for the console.", no_args_is_help=True)


def _table(rows: list[dict[str, object]], columns: list[str]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def _store_id(code: str | None) -> int | None:
    if code is None:
        return None
    with transaction() as db:
        return get_store(db=db, code=code).id


@sources_app.command("add")
def sources_add(
    name: str,
    channel: Annotated[str, typer.Option(help="online or offline")] = "online",
    user_id_type: Annotated[str, typer.Option(
        help="identifier type of this source's userId, e.g. member_id for a POS")] = "user_id",
) -> None:
    """Create a source; its write key is printed as the last line."""
    if user_id_type not in settings().rules.by_type:
        known = ", ".join(settings().rules.by_type)
        raise fail(f"user_id_type must be one of {known}, not {user_id_type!r}")
    with transaction() as db:
        source, key = create_source(db=db, name=name, channel=channel,
                                    user_id_type=user_id_type)
    console.print(f"source {source.name} ({source.channel}) created; its write key:")
    typer.echo(key)


@sources_app.command("list")
def sources_list() -> None:
    with transaction() as db:
        _table(list_sources(db=db), ["id", "name", "channel", "write_key_prefix", "created_at"])


@tokens_app.command("add")
def tokens_add(
    name: str,
    role: Annotated[str, typer.Option(help="admin, marketer, store_manager or clerk")] = "admin",
    store: Annotated[str | None, typer.Option(help="store code, for clerks and managers")] = None,
) -> None:
    """Create an API token; the token is printed as the last line."""
    store_id = _store_id(store)
    with transaction() as db:
        secret = create_token(db=db, name=name, role=role, store_id=store_id)
    console.print(f"token {name} ({role}) created:")
    typer.echo(secret)


@tokens_app.command("list")
def tokens_list() -> None:
    with transaction() as db:
        _table(list_tokens(db=db), ["id", "name", "role", "store_id", "prefix", "revoked_at"])


@tokens_app.command("revoke")
def tokens_revoke(name: str) -> None:
    with transaction() as db:
        revoke_token(db=db, name=name)
    console.print(f"token {name} revoked")


@stores_app.command("add")
def stores_add(
    code: str,
    name: Annotated[str, typer.Option(help="display name, e.g. 上海静安店")],
    city: str = "",
    address: str = "",
    lat: Annotated[float | None, typer.Option(help="latitude")] = None,
    lon: Annotated[float | None, typer.Option(help="longitude")] = None,
    timezone: str = "Asia/Shanghai",
    hours: Annotated[str, typer.Option(help="10:00-22:00 or mon-fri=10:00-21:00,sat-sun=...")]
    = "10:00-22:00",
) -> None:
    """Add a store."""
    try:
        data = StoreCreate(
            code=code, name=name, city=city, address=address, latitude=lat, longitude=lon,
            timezone=timezone, opening_hours=parse_hours(hours),
        )
    except (ValidationError, ValueError) as exc:
        raise fail(_first_error(exc)) from None
    with transaction() as db:
        store = create_store(db=db, data=data)
    console.print(f"store {store.code} {store.name} added (id {store.id})")


@stores_app.command("list")
def stores_list() -> None:
    with transaction() as db:
        rows = [s.model_dump() for s in list_stores(db=db)]
    _table(rows, ["id", "code", "name", "city", "timezone"])


@staff_app.command("add")
def staff_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, marketer, store_manager or clerk")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
    store: Annotated[str | None, typer.Option(help="store code, for clerks and managers")] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Add a staff account (the password is asked for when not given)."""
    store_id = _store_id(store)
    with transaction() as db:
        staff_id = create_staff(
            db=db, username=username, password=password, role=role, display_name=name,
            store_id=store_id,
        )
    console.print(f"staff {username} ({role}) added (id {staff_id})")


@staff_app.command("list")
def staff_list() -> None:
    with transaction() as db:
        _table(list_staff(db=db), ["id", "username", "display_name", "role", "store_id"])


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return f"{field}: {first['msg'].removeprefix('Value error, ')}"
    return str(exc)
