"""Reading a /v1 request: size limits, gzip, JSON, and the write key."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

import orjson

from datong.errors import Invalid

_GZIP = 16 + zlib.MAX_WBITS


def decode_body(raw: bytes, encoding: str | None, limit: int) -> Any:
    """Decompress (gzip/deflate) and parse JSON, refusing bodies larger than `limit` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        raw = _inflate(raw, encoding, limit)
    elif encoding != "identity":
        raise Invalid(f"Content-Encoding {encoding!r} is not supported; use gzip",
                      code="bad_encoding")
    if len(raw) > limit:
        raise Invalid(f"the request body is larger than {limit // 1024} KB", code="too_large")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", code="invalid_json") from None


def _inflate(raw: bytes, encoding: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(_GZIP if "gzip" in encoding else zlib.MAX_WBITS)
    try:
        # One byte past the limit is enough to know it is too large; a gzip bomb stops here.
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise Invalid("the body is not valid gzip", code="bad_encoding") from None
    if len(out) > limit:
        raise Invalid(f"the request body is larger than {limit // 1024} KB", code="too_large")
    return out


def write_key_from(authorization: str | None, body: Any) -> str:
    """The write key: basic-auth user (Segment, RudderStack) or `writeKey` in the body."""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Invalid("the Authorization header is not valid basic auth",
                          code="bad_auth") from None
        user = decoded.partition(":")[0]
        if user:
            return user
    if isinstance(body, dict) and isinstance(body.get("writeKey"), str):
        return str(body["writeKey"])
    return ""
