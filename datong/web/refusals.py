"""What a reader sees of a typed error: the translated headline of its code and the
specifics it carries as parameters (amounts, times, stores) in the reader's language.

The services' English messages are written for API clients and logs. On a Chinese page they
appear only as the last resort: for an error raised without a code of its own and without a
field the console can name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from fastapi import Request

from datong.errors import DatongError
from datong.web.i18n import Translator
from datong.web.render import language, money

# Codes that only say "something about the input/state is wrong"; a specific code names why.
GENERIC = frozenset({"invalid", "conflict", "not_found", "forbidden", "unauthorized",
                     "internal", "unavailable", "http_error"})
# Parameters whose value is itself a word to translate: (code, param) → key prefix.
_WORDS = {("template_inactive", "status"): "tplstatus.", ("not_booked", "status"): "booking.",
          ("wrong_channel", "channel"): "channel."}


@dataclasses.dataclass(frozen=True)
class Refusal:
    code: str
    message: str = ""
    field: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, error: DatongError | Mapping[str, Any]) -> Refusal:
        """From a raised error or the `{"code", "message", "field", "params"}` it answers."""
        if isinstance(error, DatongError):
            return cls(error.code, error.message, error.field, error.params)
        return cls(str(error.get("code") or "internal"), str(error.get("message") or ""),
                   error.get("field"), error.get("params") or {})


def headline(t: Translator, code: str) -> str:
    key = f"error.{code}"
    return t(key) if t.has(key) else t("error.generic")


def _local(text: Any, zone: tzinfo) -> str:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _shown(t: Translator, refusal: Refusal, zone: tzinfo) -> dict[str, str]:
    """Parameters as the reader reads them: ¥ for `*_fen`, local time for `*_at`."""
    shown: dict[str, str] = {}
    for name, value in refusal.params.items():
        word = _WORDS.get((refusal.code, name))
        if word and t.has(f"{word}{value}"):
            shown[name] = t(f"{word}{value}")
        elif name.endswith("_fen") and isinstance(value, int):
            shown[name] = money(value)
        elif name.endswith("_at"):
            shown[name] = _local(value, zone)
        else:
            shown[name] = str(value)
    channel, store = refusal.params.get("channel"), refusal.params.get("store")
    if channel in ("online", "offline"):  # where it happened: 门店 SH01, or 线上
        shown["place"] = (t("error.place_store", store=store) if store
                          else t(f"channel.{channel}"))
    return shown


def detail(t: Translator, refusal: Refusal, zone: tzinfo) -> str:
    """What the headline does not say already; may be empty."""
    key = f"errdetail.{refusal.code}"
    if refusal.params and t.has(key):
        try:
            return t(key, **_shown(t, refusal, zone))
        except (KeyError, IndexError):  # raised somewhere without these parameters
            pass
    if t.lang == "en":
        return f"{t('error.detail')}{refusal.message}" if refusal.message else ""
    if refusal.code not in GENERIC and t.has(f"error.{refusal.code}"):
        return ""
    if refusal.field and t.has(f"field.{refusal.field}"):
        return t("error.check_field", field=t(f"field.{refusal.field}"))
    return f"{t('error.detail')}{refusal.message}" if refusal.message else ""


def error_text(t: Translator, error: DatongError | Mapping[str, Any], zone: tzinfo) -> str:
    """The headline and the detail as one sentence or two, for a message on a page."""
    refusal = Refusal.of(error)
    return " ".join(part for part in (headline(t, refusal.code), detail(t, refusal, zone))
                    if part)


def explain(request: Request, error: DatongError | Mapping[str, Any]) -> str:
    """`error_text` in the reader's language and the configured time zone."""
    return error_text(Translator(language(request)), error,
                      request.app.state.runtime.settings.tz)
