"""Typed errors that carry their HTTP status; one handler renders them (see api/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping

Param = str | int


class DatongError(Exception):
    """Root of every error datong raises on purpose.

    `params` carry the specifics of the message as data (amounts in fen, UTC times as ISO
    text, store codes), so a reader in another language gets them too: the console renders
    `error.<code>` with them.
    """

    status = 500
    code = "internal"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 params: Mapping[str, Param] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params: dict[str, Param] = dict(params or {})
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.params:
            body["params"] = self.params
        return body


class Invalid(DatongError):
    status = 400
    code = "invalid"


class Unauthorized(DatongError):
    status = 401
    code = "unauthorized"


class Forbidden(DatongError):
    status = 403
    code = "forbidden"


class NotFound(DatongError):
    status = 404
    code = "not_found"


class Conflict(DatongError):
    status = 409
    code = "conflict"


class Unavailable(DatongError):
    """The server cannot take this now; the client should retry after `retry_after` seconds."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 2, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ConfigError(DatongError):
    """Bad or missing configuration, found at start."""

    code = "config"
