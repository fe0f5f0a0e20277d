"""Creating staff accounts and checking their passwords."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, select

from datong.auth.roles import Role, check_store_binding, parse_role
from datong.auth.secrets import hash_password, verify_password
from datong.auth.tables import staff
from datong.auth.tokens import Principal
from datong.errors import Conflict, Invalid, Unauthorized
from datong.store.types import utcnow

MIN_PASSWORD = 8
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def create_staff(
    *,
    db: Connection,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    store_id: int | None = None,
) -> int:
    parsed = parse_role(role)
    check_store_binding(parsed, store_id)
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"the password needs at least {MIN_PASSWORD} characters", field="password",
                      code="password_too_short", params={"min": MIN_PASSWORD})
    if db.execute(select(staff.c.id).where(staff.c.username == username)).first():
        raise Conflict(f"a staff account {username!r} exists already", field="username",
                       code="username_taken", params={"username": username})
    result = db.execute(
        staff.insert().values(
            username=username,
            display_name=display_name or username,
            role=parsed.value,
            store_id=store_id,
            password_hash=hash_password(password),
            created_at=utcnow(),
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def authenticate_staff(*, db: Connection, username: str, password: str) -> Principal:
    """Check a password; lock the account for a while after repeated failures."""
    row = db.execute(select(staff).where(staff.c.username == username)).first()
    now = utcnow()
    if row is None or row.disabled_at is not None:
        raise Unauthorized("wrong username or password")
    if row.locked_until is not None and row.locked_until > now:
        raise Unauthorized("too many failed sign-ins; try again later", code="locked")
    if not verify_password(row.password_hash, password):
        failures = row.failed_logins + 1
        locked = now + LOCKOUT if failures >= MAX_FAILURES else None
        db.execute(
            staff.update()
            .where(staff.c.id == row.id)
            .values(failed_logins=0 if locked else failures, locked_until=locked)
        )
        raise Unauthorized("wrong username or password")
    db.execute(
        staff.update().where(staff.c.id == row.id).values(failed_logins=0, locked_until=None)
    )
    return Principal("staff", row.id, row.username, Role(row.role), row.store_id)


def list_staff(*, db: Connection) -> list[dict[str, object]]:
    rows = db.execute(select(staff).order_by(staff.c.id)).mappings()
    return [{k: v for k, v in r.items() if k != "password_hash"} for r in rows]
