"""What runs on every newly stored event, in the ingest transaction, in this order."""

from __future__ import annotations

from collections.abc import Sequence

from datong.identity.changes import PersonListener
from datong.identity.resolver import IdentityResolver
from datong.ingest.log import EventHook
from datong.profiles.hook import ProfileHook, ProfileListener
from datong.settings import Settings


def event_hooks(settings: Settings, listeners: Sequence[PersonListener] = ()) -> list[EventHook]:
    """Identity first (later hooks read the person of each event), then the rest."""
    profiles = ProfileListener(settings.profile_tag_rules)
    return [IdentityResolver(settings.rules, [profiles, *listeners]),
            ProfileHook(settings.profile_tag_rules)]


def person_listeners(settings: Settings) -> list[PersonListener]:
    """What follows persons through merges and splits made outside ingest (unmerge, merge)."""
    return [ProfileListener(settings.profile_tag_rules)]
