"""What the offers services need besides a connection: settings, the domain event outbox,
membership. Built once (`OffersContext.build`) and passed in as `ctx=`."""

from __future__ import annotations

from dataclasses import dataclass, field

from datong.identity.rules import Rules
from datong.offers.members import Membership, membership
from datong.outbox.service import Outbox
from datong.settings import Settings


@dataclass(frozen=True)
class OffersContext:
    settings: Settings
    outbox: Outbox
    membership: Membership = field(default_factory=membership)

    @classmethod
    def build(cls, settings: Settings, outbox: Outbox | None = None,
              members: Membership | None = None) -> OffersContext:
        return cls(settings, outbox or Outbox(), members or membership())

    @property
    def rules(self) -> Rules:
        return self.settings.rules

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key
