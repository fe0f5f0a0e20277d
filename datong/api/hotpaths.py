"""Hot paths: the few JSON calls a store counter or a checkout makes many times a second
(redeem a coupon, check it, claim one) answered by a thin ASGI layer in front of FastAPI.

FastAPI's routing over every route of the app, its dependency solving and its response
machinery cost more per call than the work itself (about 150 µs against a raw ASGI
answer's 100 µs on the project's machines). A hot path keeps everything that matters and
nothing else: the same bearer-token check (`Runtime.tokens`), the same request model
(validated by pydantic from the raw body), the same service call, the same error shape
(`{"error": {"code", "message", "field"}}`, `Retry-After` on 503). The FastAPI routes for the
same paths stay: they describe the API in OpenAPI, and answer when `DATONG_HOT_PATHS` is off.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datong.api.errors import first_error_message
from datong.auth.tokens import Principal
from datong.errors import DatongError, Invalid, Unauthorized, Unavailable
from datong.runtime import Runtime

logger = logging.getLogger(__name__)

# (runtime, the caller, the raw JSON body) -> (status, answer)
HotHandler = Callable[[Runtime, Principal, bytes], Awaitable[tuple[int, Any]]]

MAX_BODY = 64 * 1024
_JSON = (b"content-type", b"application/json")


class HotPaths:
    """ASGI middleware: `POST` to one of `handlers`' paths is answered here; anything else
    goes on to the app."""

    def __init__(self, app: ASGIApp, runtime: Runtime,
                 handlers: Mapping[str, HotHandler]) -> None:
        self.app = app
        self.runtime = runtime
        self.handlers = dict(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (self.handlers.get(scope["path"])
                   if scope["type"] == "http" and scope["method"] == "POST" else None)
        if handler is None:
            await self.app(scope, receive, send)
            return
        status, body, headers = await self._answer(handler, scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": [
            _JSON, (b"content-length", str(len(body)).encode()), *headers]})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, handler: HotHandler, scope: Scope, receive: Receive
                      ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        try:
            principal = await self._principal(scope)
            status, answer = await handler(self.runtime, principal, await _body(receive))
            return status, orjson.dumps(answer), []
        except DatongError as exc:
            return exc.status, orjson.dumps({"error": exc.as_dict()}), _error_headers(exc)
        except ValidationError as exc:
            field, message = first_error_message(exc.errors())
            error = {"code": "invalid", "message": message, "field": field}
            return 400, orjson.dumps({"error": error}), []
        except Exception:
            logger.exception("unhandled error on POST %s", scope["path"])
            error = {"code": "internal", "message": "an internal error occurred; it has been "
                                                    "logged"}
            return 500, orjson.dumps({"error": error}), []

    async def _principal(self, scope: Scope) -> Principal:
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        scheme, _, secret = header.decode("latin-1").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise Unauthorized("send an API token as Authorization: Bearer <token>")
        known = self.runtime.tokens.cached(secret)
        if known is not None:
            return known
        principal: Principal = await run_in_threadpool(self.runtime.tokens.authenticate,
                                                       secret)
        return principal


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise Invalid("the client went away before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Invalid(f"the request body is larger than {MAX_BODY // 1024} KB",
                          code="too_large")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _error_headers(exc: DatongError) -> list[tuple[bytes, bytes]]:
    if isinstance(exc, Unavailable):
        return [(b"retry-after", str(exc.retry_after).encode())]
    if exc.status == 401:
        return [(b"www-authenticate", b"Bearer")]
    return []
