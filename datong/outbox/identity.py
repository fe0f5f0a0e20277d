"""Person Merged / Person Split as domain events, for consumers outside the process."""

from __future__ import annotations

from sqlalchemy import Connection

from datong.identity.changes import PersonChange
from datong.outbox.service import Outbox

NAMES = {"merged": "Person Merged", "split": "Person Split"}


class PersonChangeEvents:
    """A person listener that records every merge and split in the domain event log."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def __call__(self, db: Connection, change: PersonChange) -> None:
        self.outbox.emit(
            db, NAMES[change.kind], person_id=change.person, actor=change.actor or "system",
            properties={"others": list(change.others), "event_id": change.event_id},
        )
