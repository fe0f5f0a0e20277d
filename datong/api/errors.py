"""One place that turns errors into `{"error": {"code", "message"}}` responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from datong.errors import DatongError, Unavailable

logger = logging.getLogger(__name__)
# Renders an error as a page for the paths it owns (the console), else answers None.
PageRenderer = Callable[[Request, Exception], Response | None]


def error_response(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def first_validation_message(exc: RequestValidationError) -> tuple[str, str]:
    """The first pydantic error as (field, message), naming the field in the message."""
    return first_error_message(exc.errors())


def first_error_message(errors: Sequence[Any]) -> tuple[str, str]:
    """(field, message) of the first of pydantic's errors, the field named in the message."""
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or "body"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return field, f"{field}: {message}"


def install_error_handlers(app: FastAPI, pages: PageRenderer | None = None) -> None:
    def _page(request: Request, exc: Exception) -> Response | None:
        return pages(request, exc) if pages is not None else None

    @app.exception_handler(DatongError)
    async def _datong(request: Request, exc: DatongError) -> Response:
        if (page := _page(request, exc)) is not None:
            return page
        response = JSONResponse({"error": exc.as_dict()}, status_code=exc.status)
        if isinstance(exc, Unavailable):
            response.headers["Retry-After"] = str(exc.retry_after)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if (page := _page(request, exc)) is not None:
            return page
        field, message = first_validation_message(exc)
        return error_response(400, "invalid", message, field=field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if (page := _page(request, exc)) is not None:
            return page
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if (page := _page(request, exc)) is not None:
            return page
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal", "an internal error occurred; it has been logged")
