"""Identity on the demo world: people are joined across channels, the rules hold, and the
batch recompute (connected components on the engine) equals the incremental result."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from datong.demo.loader import load_demo
from datong.engines.registry import create_engine as create_analytics
from datong.identity.batch import rebuild_identity
from datong.identity.tables import conflicts, identifiers, observations
from datong.ingest.tables import events
from datong.pipeline import event_hooks
from datong.settings import Settings

END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_demo_world_resolves_across_channels_and_batch_equals_incremental(
    engine: Engine, settings: Settings
) -> None:
    load_demo(engine=engine, size="tiny", seed=5, end=END, hooks=event_hooks(settings))
    with engine.connect() as db:
        channels = (select(identifiers.c.person_id, func.count(func.distinct(events.c.channel)))
                    .join(observations, observations.c.identifier_id == identifiers.c.id)
                    .join(events, events.c.id == observations.c.event_id)
                    .where(observations.c.status == "linked")
                    .group_by(identifiers.c.person_id))
        both = sum(1 for _, n in db.execute(channels) if n == 2)
        refused = {tuple(r) for r in db.execute(select(conflicts.c.reason_code,
                                        conflicts.c.identifier_type).distinct())}
        paid = db.execute(select(func.count()).where(
            identifiers.c.type == "payment_account")).scalar()
        raw_payer = db.execute(select(func.count()).where(
            identifiers.c.value.like("payer-%"))).scalar()
    assert both > 0, "no person has both online and store events"
    # the shared tablets are kept from merging people (a device id beyond the cap is dropped)
    assert ("max_per_person", "device_id") in refused
    # a till that kept the last customer's member number: the two members are not joined
    assert ("max_per_person", "phone") in refused or ("max_per_person", "member_id") in refused
    assert paid and not raw_payer  # payment accounts link receipts, stored only hashed
    analytics = create_analytics(settings)
    try:
        report = rebuild_identity(engine=engine, analytics=analytics, apply=False)
    finally:
        analytics.close()
    assert report.differing == 0 and report.clusters > 0
