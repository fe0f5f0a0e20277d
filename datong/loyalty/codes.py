"""Rotating member codes for the counter, and signed enrolment links for store/clerk QR codes.

A member code is 18 digits, like a payment code: `9`, the member id (10 digits) and a
7-digit HMAC of (member id, time step) under the deployment's secret key (TOTP-style, RFC
6238's dynamic truncation). It is good for its own step and the one before, so a code a
clerk scans at the end of a step still works; a screenshot stops working within two steps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import segno

from datong.errors import Invalid

CODE_LENGTH = 18
_MAC_DIGITS = 7


@dataclass(frozen=True)
class MemberCode:
    code: str
    expires_at: datetime
    qr_svg: str  # a data: URI, for an <img src>


def _mac(secret: str, member_id: int, step: int) -> str:
    digest = hmac.new(secret.encode(), f"member-code|{member_id}|{step}".encode(),
                      hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10 ** _MAC_DIGITS:0{_MAC_DIGITS}d}"


def member_code(*, secret: str, member_id: int, now: datetime, seconds: int) -> MemberCode:
    """The code to show now, and when it stops being shown."""
    step = int(now.timestamp()) // seconds
    code = f"9{member_id:010d}{_mac(secret, member_id, step)}"
    expires = datetime.fromtimestamp((step + 1) * seconds, UTC)
    return MemberCode(code, expires, qr_data_uri(code))


def read_member_code(*, secret: str, code: str, at: datetime, seconds: int) -> int | None:
    """The member id a code stands for if it is valid at `at`, else None."""
    digits = "".join(ch for ch in code if not ch.isspace())
    if not looks_like_member_code(digits):
        return None
    member_id = int(digits[1:11])
    step = int(at.timestamp()) // seconds
    for candidate in (step, step - 1):
        if hmac.compare_digest(_mac(secret, member_id, candidate), digits[11:]):
            return member_id
    return None


def looks_like_member_code(text: str) -> bool:
    digits = "".join(ch for ch in text if not ch.isspace())
    return (len(digits) == CODE_LENGTH and digits.isascii() and digits.isdigit()
            and digits[0] == "9")


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4))


# --- enrolment links ------------------------------------------------------------------

@dataclass(frozen=True)
class EnrolLink:
    store_id: int
    clerk: str | None
    issued_at: datetime
    expires_at: datetime | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _link_mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"enrol-link|{body}".encode(), hashlib.sha256).digest()
    return _b64(digest[:16])


def sign_enrol_link(*, secret: str, store_id: int, clerk: str | None, now: datetime,
                    days: int | None) -> str:
    """A token for a store's (or one clerk's) enrolment QR code."""
    payload = {"s": store_id, "c": clerk, "i": int(now.timestamp()),
               "e": int((now + timedelta(days=days)).timestamp()) if days else None}
    body = _b64(orjson.dumps(payload))
    return f"{body}.{_link_mac(secret, body)}"


def read_enrol_link(*, secret: str, token: str, now: datetime) -> EnrolLink:
    """The store and clerk a token carries; Invalid when forged, altered or expired."""
    body, _, mac = token.strip().partition(".")
    # bytes, not str: compare_digest refuses a str with non-ASCII characters (a TypeError)
    if not body or not hmac.compare_digest(mac.encode(), _link_mac(secret, body).encode()):
        raise Invalid("the enrolment link is not one datong signed (altered or forged)",
                      field="enrol_token", code="bad_enrol_link")
    try:
        data = orjson.loads(_unb64(body))
        link = EnrolLink(int(data["s"]), data.get("c"), datetime.fromtimestamp(data["i"], UTC),
                         datetime.fromtimestamp(data["e"], UTC) if data.get("e") else None)
    except (ValueError, KeyError, TypeError):
        raise Invalid("the enrolment link cannot be read", field="enrol_token",
                      code="bad_enrol_link") from None
    if link.expires_at is not None and link.expires_at <= now:
        raise Invalid("the enrolment link has expired; ask the store for a new QR code",
                      field="enrol_token", code="enrol_link_expired")
    return link
