"""Identity resolution through the real ingest path, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.identity import service
from datong.identity.rules import RuleOverride
from datong.identity.tables import conflicts, identifiers, merges
from datong.settings import Settings
from tests.conftest import Cast, ClientFor


def send(client: TestClient, key: str, *messages: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/batch", auth=(key, ""), json={"batch": list(messages)})
    assert r.status_code == 200, r.text
    return dict(r.json())


def partition(engine: Engine) -> dict[str, set[str]]:
    """person → its identifiers as "type:value", keyed by a member for comparison."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(identifiers.c.type, identifiers.c.value, identifiers.c.person_id).where(
                identifiers.c.person_id.is_not(None)
            )
        ).all()
    groups: dict[int, set[str]] = {}
    for type_, value, person in rows:
        groups.setdefault(person, set()).add(f"{type_}:{value}")
    return {min(g): g for g in groups.values()}


def person_of(engine: Engine, settings: Settings, text: str) -> int | None:
    type_, _, raw = text.partition(":")
    with engine.connect() as conn:
        return service.find_person(db=conn, rules=settings.rules, type=type_, raw=raw)


def t(n: int) -> str:
    return f"2026-11-0{1 + n // 24}T{n % 24:02d}:00:00Z"


def test_device_phone_and_member_id_become_one_person(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    send(
        client,
        cast.app_key,
        {"type": "track", "anonymousId": "dev-A", "event": "Product Viewed", "timestamp": t(0)},
        {
            "type": "identify",
            "anonymousId": "dev-A",
            "userId": "u-1",
            "timestamp": t(1),
            "traits": {"phone": "138 1234 5678", "member_id": "M001"},
        },
    )
    send(
        client,
        cast.pos_key,
        {
            "type": "track",
            "anonymousId": "+86 13812345678",
            "event": "Order Completed",
            "timestamp": t(2),
            "properties": {
                "channel": "store",
                "store_id": "SH01",
                "phone": "13812345678",
                "total": 9900,
            },
        },
    )
    person = person_of(engine, settings, "device_id:dev-A")
    assert person is not None
    for text in ("phone:138-1234-5678", "member_id:M001", "user_id:u-1"):
        assert person_of(engine, settings, text) == person
    with engine.connect() as conn:
        kinds = {i["type"] for i in service.person_identifiers(db=conn, person_id=person)}
    assert kinds == {"device_id", "user_id", "phone", "member_id"}


def test_a_shared_store_tablet_does_not_merge_two_customers(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    send(
        client,
        cast.pos_key,
        {
            "type": "identify",
            "userId": "u-1",
            "anonymousId": "tablet-SH01",
            "timestamp": t(0),
            "traits": {"phone": "13811112222"},
        },
        {
            "type": "identify",
            "userId": "u-2",
            "anonymousId": "tablet-SH01",
            "timestamp": t(1),
            "traits": {"phone": "13933334444"},
        },
    )
    first, second = (person_of(engine, settings, f"user_id:u-{n}") for n in (1, 2))
    assert first is not None and second is not None and first != second
    assert person_of(engine, settings, "phone:13933334444") == second
    with engine.connect() as conn:
        found = conn.execute(select(conflicts)).mappings().all()
    assert [(c["identifier_type"], c["reason_code"]) for c in found] == [
        ("device_id", "max_per_person")
    ]


def _till_receipt(phone: str, n: int) -> dict[str, Any]:
    return {"type": "track", "event": "Order Completed", "anonymousId": f"pos-SH01-{n}",
            "timestamp": t(n), "properties": {"order_id": f"SH01-{n}", "total": 9900},
            "context": {"device": {"id": "POS-SH01-01", "type": "pos"},
                        "traits": {"phone": phone}}}


def test_the_tills_device_id_never_links_its_customers(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    """Two non-members known only by a phone, rung up on the same till: its device id (of
    type `pos`, a shared device) is recorded as blocked, so the phones stay apart."""
    send(client, cast.pos_key, _till_receipt("13811112222", 0), _till_receipt("13933334444", 1))
    first = person_of(engine, settings, "phone:13811112222")
    second = person_of(engine, settings, "phone:13933334444")
    assert first is not None and second is not None and first != second
    assert person_of(engine, settings, "device_id:POS-SH01-01") is None


def test_a_configured_shared_device_never_links(
    settings: Settings, engine: Engine, cast: Cast, client_for: ClientFor
) -> None:
    """A store's tablet used without signing in: two customers leave only their phones on
    it. Under the defaults the tablet would join them (two phones are allowed per person);
    configured as blocked, it joins no one."""
    tablet = {"device_id": RuleOverride(blocked=["tablet-SH01"])}
    custom = settings.model_copy(update={"identity_rules": tablet})
    send(client_for(identity_rules=tablet), cast.app_key, *[
        {"type": "identify", "anonymousId": "tablet-SH01", "timestamp": t(n),
         "traits": {"phone": phone}}
        for n, phone in enumerate(("13811112222", "13933334444"))])
    first = person_of(engine, custom, "phone:13811112222")
    second = person_of(engine, custom, "phone:13933334444")
    assert first is not None and second is not None and first != second


def test_a_type_the_deployment_adds_is_read_from_traits(
    settings: Settings, engine: Engine, cast: Cast, client_for: ClientFor
) -> None:
    """A brand's own card (`loyalty_card`, added in DATONG_IDENTITY_RULES) joins two devices
    that carry it as a trait, and its rule (at most one per person) holds."""
    card = {"loyalty_card": RuleOverride(priority=2, max_per_person=1)}
    custom = settings.model_copy(update={"identity_rules": card})
    send(client_for(identity_rules=card), cast.app_key,
         {"type": "identify", "anonymousId": "dev-1", "timestamp": t(0),
          "traits": {"loyalty_card": "LC-0001", "name": "李雷"}},
         {"type": "identify", "anonymousId": "dev-2", "timestamp": t(1),
          "context": {"traits": {"Loyalty_Card": "LC-0001"}}},
         {"type": "identify", "anonymousId": "dev-1", "timestamp": t(2),
          "traits": {"loyalty_card": "LC-0002"}})
    person = person_of(engine, custom, "loyalty_card:LC-0001")
    assert person is not None
    assert person_of(engine, custom, "device_id:dev-2") == person
    assert person_of(engine, custom, "loyalty_card:LC-0002") != person  # one card each
    with engine.connect() as conn:
        logged = conn.execute(select(conflicts.c.reason)).scalars().all()
    # the weaker identifier of that message (the device) was dropped, and the reason logged
    assert len(logged) == 1 and "loyalty_card" in logged[0]


def test_one_message_merges_no_more_persons_than_the_cap(
    settings: Settings, engine: Engine, cast: Cast, client_for: ClientFor
) -> None:
    """Three persons, then one message naming all three: under the default cap (3) they
    would become one; with a cap of 2 the message's weakest identifier is dropped."""
    custom = settings.model_copy(update={"identity_merge_cap": 2})
    send(client_for(identity_merge_cap=2), cast.app_key,
         *[{"type": "identify", "anonymousId": f"dev-{n}", "timestamp": t(n),
            "traits": {"email": f"p{n}@example.com"}} for n in range(3)],
         {"type": "identify", "userId": "u-1", "timestamp": t(5),
          "traits": {"email": "p0@example.com", "phone": "13811112222"},
          "context": {"device": {"id": "dev-1"}}, "anonymousId": "dev-2"})
    persons = {person_of(engine, custom, f"device_id:dev-{n}") for n in range(3)}
    assert len(persons) >= 2
    with engine.connect() as conn:
        reasons = {r.reason_code for r in conn.execute(select(conflicts.c.reason_code))}
    assert "merge_cap" in reasons


def test_blocked_values_never_link(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    send(
        client,
        cast.app_key,
        {
            "type": "identify",
            "userId": "u-1",
            "traits": {"phone": "13800000000", "email": "unknown"},
        },
        {"type": "identify", "userId": "u-2", "traits": {"phone": "13800000000"}},
    )
    assert person_of(engine, settings, "user_id:u-1") != person_of(engine, settings, "user_id:u-2")
    assert all(len(g) == 1 for g in partition(engine).values())


def test_conflicting_member_ids_are_refused_and_logged(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    send(
        client,
        cast.app_key,
        {"type": "identify", "userId": "u-1", "timestamp": t(0), "traits": {"member_id": "M1"}},
        {"type": "identify", "userId": "u-1", "timestamp": t(1), "traits": {"member_id": "M2"}},
    )
    person = person_of(engine, settings, "user_id:u-1")
    assert person_of(engine, settings, "member_id:M1") == person
    other = person_of(engine, settings, "member_id:M2")
    assert other is None or other != person
    with engine.connect() as conn:
        logged = conn.execute(select(conflicts)).mappings().one()
    assert (logged["identifier_type"], logged["identifier_value"]) == ("member_id", "M2")
    assert logged["person_ids"] == [person]
    assert "member_id" in logged["reason"]


def test_merge_is_logged_and_unmerge_splits_and_stays_split(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    send(
        client,
        cast.app_key,
        {
            "type": "identify",
            "userId": "u-1",
            "timestamp": t(0),
            "traits": {"phone": "13811112222"},
        },
        {
            "type": "identify",
            "anonymousId": "dev-9",
            "timestamp": t(1),
            "traits": {"email": "li@example.com"},
        },
        {
            "type": "identify",
            "anonymousId": "dev-9",
            "timestamp": t(2),
            "traits": {"phone": "13811112222"},
        },
    )
    person = person_of(engine, settings, "user_id:u-1")
    assert person_of(engine, settings, "email:li@example.com") == person
    with engine.begin() as conn:
        assert [m["kind"] for m in service.merge_history(db=conn, person_id=person)] == ["merge"]
        result = service.unmerge(
            db=conn,
            person_id=person,
            identifier="device_id:dev-9",
            rules=settings.rules,
            actor="admin",
        )
    assert result["split"] is True
    apart = person_of(engine, settings, "device_id:dev-9")
    assert apart is not None and apart != person
    assert person_of(engine, settings, "phone:13811112222") == person
    # The same link sent again does not undo the admin's decision.
    send(
        client,
        cast.app_key,
        {
            "type": "identify",
            "anonymousId": "dev-9",
            "timestamp": t(3),
            "traits": {"phone": "13811112222"},
        },
    )
    assert person_of(engine, settings, "device_id:dev-9") != person
    with engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(select(merges.c.kind).order_by(merges.c.id))]
        history = service.merge_history(db=conn, person_id=apart)
    assert kinds == ["merge", "split"]
    # the split is in the new person's history too, with the edge the admin cut
    assert [(h["kind"], h["person_id"]) for h in history] == [("split", person)]
    assert history[0]["edge_id"] is not None and history[0]["actor"] == "admin"


def test_late_event_is_resolved_as_if_it_came_in_time(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings
) -> None:
    """u-2 claims dev-1 at 10:00, but u-1's claim at 09:00 arrives later: u-1 wins."""
    send(
        client,
        cast.app_key,
        {"type": "identify", "userId": "u-2", "anonymousId": "dev-1", "timestamp": t(10)},
    )
    send(
        client,
        cast.app_key,
        {"type": "identify", "userId": "u-1", "anonymousId": "dev-1", "timestamp": t(9)},
    )
    assert person_of(engine, settings, "device_id:dev-1") == person_of(
        engine, settings, "user_id:u-1"
    )
    assert person_of(engine, settings, "user_id:u-2") != person_of(engine, settings, "user_id:u-1")
