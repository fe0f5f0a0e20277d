"""Coupon, booking and referral codes; signed QR payloads; masking for logs.

A coupon code is 13 random characters from a 31-letter alphabet with no look-alikes
(no 0/O, 1/I/L) — 31**13 > 2**64, so at least 64 bits of randomness — plus one check
character: a weighted sum modulo 31 (a prime), which catches every single mistyped character
and every swap of two neighbours. Shown in groups of four: `7KQM-X3TD-RW9P-HF`.

A QR code carries `DT1.<code>.<mac>`: the mac is an HMAC-SHA-256 of the code under a key
derived from the deployment's secret, so a forged or altered QR is refused before the
database is asked anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import segno

from datong.errors import Invalid

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
BASE = len(ALPHABET)  # 31, a prime
COUPON_RANDOM = 13  # 31**13 ≈ 2**64.4
QR_PREFIX = "DT1"


def check_char(body: str) -> str:
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(body))
    return ALPHABET[total % BASE]


def new_code(random_chars: int = COUPON_RANDOM) -> str:
    """A fresh code: random characters and their check character, ungrouped."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(random_chars))
    return body + check_char(body)


def group(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(text: str, *, length: int, what: str = "code", field: str = "code") -> str:
    """The canonical code from what a person typed (any case, dashes or spaces), or Invalid
    naming the mistake — without looking anything up."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != length:
        raise Invalid(f"a {what} has {length} characters (dashes aside), not {len(code)}",
                      field=field, code="bad_code")
    wrong = sorted({c for c in code if c not in _VALUE})
    if wrong:
        raise Invalid(f"a {what} never contains {', '.join(wrong)} (0/O, 1/I/L are not used)",
                      field=field, code="bad_code")
    if check_char(code[:-1]) != code[-1]:
        raise Invalid(f"this {what} does not add up (check character): probably a typo",
                      field=field, code="bad_code")
    return code


def mask(code: str) -> str:
    """What logs and events show of a code: its first and last two characters."""
    return f"{code[:2]}…{code[-2:]}" if len(code) > 6 else "…"


def _qr_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"datong coupon qr\x00" + secret_key.encode()).digest()


def _mac(secret_key: str, code: str) -> str:
    digest = hmac.new(_qr_key(secret_key), code.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def qr_payload(secret_key: str, code: str) -> str:
    return f"{QR_PREFIX}.{code}.{_mac(secret_key, code)}"


def verify_qr(secret_key: str, payload: str, *, length: int) -> str:
    """The code inside a signed QR payload; Invalid (code forged_qr) when it was not signed
    here or was altered."""
    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        raise Invalid("this is not a datong coupon QR code", field="qr", code="forged_qr")
    _, code, mac = parts
    if not hmac.compare_digest(mac.encode(), _mac(secret_key, code).encode()):
        raise Invalid("this QR code was not issued here or has been altered", field="qr",
                      code="forged_qr")
    return normalise(code, length=length, field="qr")


def qr_svg(data: str, *, scale: int = 4) -> str:
    """An SVG QR code of `data` (error correction M, as a phone screen or print needs)."""
    return str(segno.make(data, error="m", micro=False).svg_inline(scale=scale))


def qr_png(data: str, *, scale: int = 6) -> bytes:
    import io

    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="png", scale=scale)
    return out.getvalue()
