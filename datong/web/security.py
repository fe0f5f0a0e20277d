"""CSRF tokens and the signed one-shot flash cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import orjson

from datong.errors import Forbidden


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(expected: str | None, sent: str | None) -> None:
    """Refuse a form or POST whose token does not match the session's (or the login
    cookie's): another site cannot read it, so it cannot send it."""
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden("the form has expired or did not come from this console; reload the "
                        "page and try again", code="csrf")


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def pack_flash(secret: str, kind: str, text: str) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps([kind, text])).decode()
    return f"{payload}.{_sign(secret, payload.encode())}"


def unpack_flash(secret: str, cookie: str | None) -> tuple[str, str] | None:
    """(kind, text) from a flash cookie this server set; None for anything else."""
    if not cookie or "." not in cookie:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _sign(secret, payload.encode()).encode()):
        return None
    try:
        kind, text = orjson.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return None
    return str(kind), str(text)
