"""What a running datong holds: settings, the state store, the ingest writer, the lake."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from datong.auth.tokens import TokenCache
from datong.ingest.log import EventHook
from datong.ingest.sources import WriteKeyCache
from datong.ingest.writer import GroupWriter
from datong.offers.soldout import SoldOut
from datong.outbox.service import Outbox
from datong.pipeline import event_hooks, outbox
from datong.settings import Settings
from datong.store.commits import CommitQueue
from datong.store.database import open_store, prepared_engine


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    writer: GroupWriter
    write_keys: WriteKeyCache
    outbox: Outbox
    tokens: TokenCache
    commits: CommitQueue
    background: list[Any] = field(default_factory=list)
    sold_out: SoldOut = field(default_factory=SoldOut)  # coupon templates, see its module

    @classmethod
    def build(cls, settings: Settings, *, hooks: list[EventHook] | None = None) -> Runtime:
        engine = open_store(settings)
        events = outbox(settings)
        writer = GroupWriter(
            engine,
            max_pending=settings.ingest_max_pending,
            max_group=settings.ingest_max_group,
            retry_after=settings.ingest_retry_after,
            hooks=event_hooks(settings, events=events) if hooks is None else hooks,
        )
        return cls(settings, engine, writer, WriteKeyCache(engine), events, TokenCache(engine),
                   CommitQueue(prepared_engine(engine)))

    def start(self) -> None:
        self.writer.start()
        self.commits.start()

    def stop(self) -> None:
        for task in self.background:
            task.cancel()
        self.writer.stop()
        self.commits.stop()
        self.commits.engine.dispose()
        self.engine.dispose()

    async def stop_async(self) -> None:
        """Stop from inside the event loop without blocking it while the writer drains."""
        for task in self.background:  # cancelled here, in their loop, and waited for
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await asyncio.to_thread(self.stop)
