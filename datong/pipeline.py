"""How the domains are wired together: what runs on every newly stored event, in the ingest
transaction and in this order; who follows persons through merges and splits; who hears of
each domain event."""

from __future__ import annotations

from collections.abc import Sequence

from datong.identity.changes import PersonListener
from datong.identity.resolver import IdentityResolver
from datong.ingest.log import EventHook
from datong.loyalty.earning import LoyaltyHook
from datong.loyalty.merge import LoyaltyListener
from datong.offers.context import OffersContext
from datong.offers.hooks import OffersHook
from datong.offers.listener import OffersListener
from datong.offers.referral import EnrolmentReferrals
from datong.outbox.identity import PersonChangeEvents
from datong.outbox.service import Outbox
from datong.profiles.hook import ProfileHook, ProfileListener
from datong.settings import Settings


def outbox(settings: Settings) -> Outbox:
    """The domain event outbox with every in-process subscriber registered."""
    box = Outbox()
    box.subscribe("Member Enrolled", EnrolmentReferrals(OffersContext.build(settings, box)))
    return box


def person_listeners(settings: Settings, events: Outbox | None = None) -> list[PersonListener]:
    """What follows persons through merges and splits, wherever they happen (ingest, unmerge,
    accepted suggestions): profiles, then the domain event log, then membership."""
    events = events or outbox(settings)
    return [ProfileListener(settings.profile_tag_rules), OffersListener(),
            PersonChangeEvents(events), LoyaltyListener(settings, events)]


def event_hooks(settings: Settings, listeners: Sequence[PersonListener] = (),
                events: Outbox | None = None) -> list[EventHook]:
    """Identity first (later hooks read the person of each event), then profiles, then
    loyalty (points for orders)."""
    events = events or outbox(settings)
    return [IdentityResolver(settings.rules, [*person_listeners(settings, events), *listeners],
                             cache_size=settings.identity_cache_size),
            ProfileHook(settings.profile_tag_rules), LoyaltyHook(settings, events),
            OffersHook(OffersContext.build(settings, events))]
