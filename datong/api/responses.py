"""JSON answers serialised by orjson, for read paths that are called at the counter."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


def json_response(body: Any, status_code: int = 200) -> Response:
    """Datetimes as RFC 3339 (UTC, `+00:00`), non-ASCII kept readable, like the rest of the
    API's answers."""
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")
