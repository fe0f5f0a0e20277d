"""Server-side console sessions: signing in and out, and finding who a cookie belongs to."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, delete, select, update

from datong.auth.roles import Role
from datong.auth.secrets import hash_secret
from datong.auth.tables import staff
from datong.auth.tokens import Principal
from datong.staff.service import authenticate_staff
from datong.store.types import utcnow
from datong.stores.tables import stores
from datong.web.tables import console_sessions

TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is refreshed at most this often


@dataclass(frozen=True)
class ConsoleUser:
    """A signed-in staff member as the console sees them."""

    principal: Principal
    display_name: str
    store_code: str | None
    store_name: str | None
    csrf_token: str
    session_id: int

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def at_counter(self) -> bool:
        """Clerks and store managers work the counter of their one store."""
        return self.principal.store_id is not None


def sign_in(*, db: Connection, username: str, password: str, hours: float,
            user_agent: str | None = None) -> str:
    """Check the password (counting failures towards the lockout) and open a session;
    answers the cookie token, which is stored only as a hash."""
    principal = authenticate_staff(db=db, username=username, password=password)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.execute(delete(console_sessions).where(  # this account's expired sign-ins go
        console_sessions.c.staff_id == principal.id, console_sessions.c.expires_at <= now))
    db.execute(console_sessions.insert().values(
        token_hash=hash_secret(token), staff_id=principal.id,
        csrf_token=secrets.token_urlsafe(24), created_at=now,
        expires_at=now + timedelta(hours=hours), last_seen_at=now,
        user_agent=(user_agent or "")[:300] or None,
    ))
    return token


def sign_out(*, db: Connection, token: str) -> None:
    db.execute(delete(console_sessions).where(
        console_sessions.c.token_hash == hash_secret(token)))


def current_user(*, db: Connection, token: str) -> ConsoleUser | None:
    """The staff member a session cookie belongs to; None when unknown, expired or the
    account was disabled since."""
    row = db.execute(
        select(console_sessions.c.id, console_sessions.c.csrf_token,
               console_sessions.c.expires_at, console_sessions.c.last_seen_at,
               staff.c.id.label("staff_id"), staff.c.username, staff.c.display_name,
               staff.c.role, staff.c.store_id, staff.c.disabled_at,
               stores.c.code.label("store_code"), stores.c.name.label("store_name"))
        .join(staff, staff.c.id == console_sessions.c.staff_id)
        .outerjoin(stores, stores.c.id == staff.c.store_id)
        .where(console_sessions.c.token_hash == hash_secret(token))
    ).first()
    now = utcnow()
    if row is None or row.expires_at <= now or row.disabled_at is not None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        db.execute(update(console_sessions).where(console_sessions.c.id == row.id)
                   .values(last_seen_at=now))
    principal = Principal("staff", row.staff_id, row.username, Role(row.role), row.store_id)
    return ConsoleUser(principal, row.display_name, row.store_code, row.store_name,
                       row.csrf_token, row.id)


def purge_expired(*, db: Connection) -> int:
    """Delete sessions past their expiry; answers how many."""
    done = db.execute(delete(console_sessions).where(console_sessions.c.expires_at <= utcnow()))
    return int(done.rowcount or 0)
