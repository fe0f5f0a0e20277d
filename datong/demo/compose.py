"""Turning activity rows into Segment messages: the shared machinery.

Each activity emits its messages through an `Emitter` that numbers them (deterministic
messageIds), spaces them in time and stamps the identity the client knows at that moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from datong.demo.activities import Activities
from datong.demo.catalogue import CATEGORIES, Catalogue
from datong.demo.people import People
from datong.demo.world import StoreSpec

Message = tuple[str, dict[str, Any]]  # (source name, Segment message)
PAYMENT_METHODS = ("wechat_pay", "alipay", "union_pay_card", "cash")
_PAYMENT_WEIGHTS = np.array([0.55, 0.3, 0.1, 0.05])


@dataclass(frozen=True)
class Cast:
    """What composing reads besides the activities."""

    people: People
    catalogue: Catalogue
    stores: tuple[StoreSpec, ...]
    clerks: list[list[str]]  # per store, its clerks' usernames
    id_prefix: str  # messageIds are f"{id_prefix}-{activity:08d}-{n:02d}"
    start_ts: int


class Emitter:
    """Collects one activity's messages: numbered, timed and stamped with who sent them."""

    __slots__ = ("out", "source", "base", "count", "ms", "user_id", "anonymous_id", "context",
                 "_gaps")

    def __init__(self, out: list[Message], gaps: Iterator[int]) -> None:
        self.out = out
        self._gaps = gaps
        self.source = ""
        self.base = ""
        self.count = 0
        self.ms = 0
        self.user_id: str | None = None
        self.anonymous_id: str | None = None
        self.context: dict[str, Any] | None = None

    def begin(self, base: str) -> None:
        """A new activity: its messages are numbered `{base}-0`, `{base}-1`, ..."""
        self.base, self.count = base, 0

    def switch(self, source: str, ms: int, user_id: str | None, anonymous_id: str | None,
               context: dict[str, Any] | None) -> None:
        """Who sends the next messages, as whom, from when (numbering carries on)."""
        self.source, self.ms = source, ms
        self.user_id, self.anonymous_id, self.context = user_id, anonymous_id, context

    def emit(self, body: dict[str, Any]) -> None:
        body["messageId"] = f"{self.base}-{self.count:02d}"
        body["timestamp"] = self.ms  # epoch ms for now; the chunk formats them all at once
        if self.user_id is not None:
            body["userId"] = self.user_id
        if self.anonymous_id is not None:
            body["anonymousId"] = self.anonymous_id
        if self.context is not None:
            body["context"] = self.context
        self.out.append((self.source, body))
        self.count += 1
        self.ms += next(self._gaps)

    def track(self, event: str, properties: dict[str, Any], **extra: Any) -> None:
        self.emit({"type": "track", "event": event, "properties": properties, **extra})

    def screen(self, name: str, properties: dict[str, Any] | None = None) -> None:
        self.emit({"type": "screen", "name": name, "properties": properties or {}})

    def page(self, name: str, path: str, title: str, referrer: str = "") -> None:
        self.emit({"type": "page", "name": name, "properties": {
            "path": path, "url": f"https://shop.hemu.example{path}", "title": title,
            "referrer": referrer,
        }})

    def identify(self, user_id: str, traits: dict[str, Any]) -> None:
        self.user_id = user_id
        self.emit({"type": "identify", "traits": traits})


class Draws:
    """Per-chunk random pools, consumed in order so a chunk always composes the same way."""

    def __init__(self, rng: np.random.Generator, n: int, catalogue: Catalogue) -> None:
        self.gaps: Iterator[int] = iter((rng.exponential(28.0, n * 24) + 4).astype(int) * 1000)
        self.products: Iterator[int] = iter(
            rng.choice(len(catalogue), n * 12, p=catalogue.popularity).tolist())
        self.unit: Iterator[float] = iter(rng.random(n * 12).tolist())
        self.payments: Iterator[int] = iter(
            rng.choice(len(PAYMENT_METHODS), n, p=_PAYMENT_WEIGHTS).tolist())


def columns(chunk: Activities) -> dict[str, list[Any]]:
    """The chunk as plain Python lists: fast to index and JSON-serialisable."""
    return {name: getattr(chunk, name).tolist() for name in chunk.__dataclass_fields__}


def line_items(catalogue: Catalogue, items: list[int], qty: list[int],
               first_only: bool = False) -> list[dict[str, Any]]:
    chosen = [(p, q) for p, q in zip(items, qty, strict=True) if p >= 0]
    if first_only:
        chosen = chosen[:1]
    return [{**catalogue.payloads[p], "quantity": q} for p, q in chosen]


def search_term(catalogue: Catalogue, product: int, u: float) -> str:
    terms = CATEGORIES[int(catalogue.category[product])].search_terms
    return terms[int(u * len(terms))]


def format_timestamps(out: list[Message]) -> None:
    """Replace the epoch-ms placeholders with ISO-8601 UTC strings, vectorised."""
    if not out:
        return
    ms = np.fromiter((m["timestamp"] for _, m in out), dtype=np.int64, count=len(out))
    texts = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms", timezone="UTC")
    for (_, message), text in zip(out, texts.tolist(), strict=True):
        message["timestamp"] = text
