"""Domain events: emitted in the producer's transaction, idempotent by key, heard by
subscribers, and Person Merged / Person Split recorded for merges and splits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from datong.errors import Invalid
from datong.outbox.service import DomainEvent, Outbox, list_events
from tests.conftest import Cast, auth
from tests.test_identity import send, t


def test_emit_dedup_and_subscribers(engine: Engine) -> None:
    heard: list[DomainEvent] = []
    outbox = Outbox({"Member Enrolled": [lambda db, e: heard.append(e)]})
    with engine.begin() as db:
        first = outbox.emit(db, "Member Enrolled", person_id=7, channel="offline", store_id=1,
                            properties={"member_no": "M1"}, dedup_key="enrol:7")
        again = outbox.emit(db, "Member Enrolled", person_id=7, dedup_key="enrol:7")
        outbox.emit(db, "Coupon Claimed", person_id=7, channel="online")
    assert first is not None and again is None
    assert [e.name for e in heard] == ["Member Enrolled"]
    with engine.connect() as db:
        names = [e.name for e in list_events(db=db)]
        assert names == ["Member Enrolled", "Coupon Claimed"]
        mine = list_events(db=db, name="Member Enrolled", person_ids=[7])
        assert mine[0].properties == {"member_no": "M1"} and mine[0].store_id == 1
        assert list_events(db=db, after_id=first.id)[0].name == "Coupon Claimed"


def test_a_failing_subscriber_rolls_the_change_back(engine: Engine) -> None:
    def refuse(db: Connection, event: DomainEvent) -> None:
        raise Invalid("no")

    outbox = Outbox({"*": [refuse]})
    try:
        with engine.begin() as db:
            outbox.emit(db, "Coupon Redeemed", person_id=1)
    except Invalid:
        pass
    with engine.connect() as db:
        assert list_events(db=db) == []


def test_bad_channel_is_refused(engine: Engine) -> None:
    with engine.begin() as db:
        try:
            Outbox().emit(db, "Coupon Claimed", channel="moon")
        except Invalid as exc:
            assert exc.field == "channel"
        else:
            raise AssertionError("accepted a bad channel")


def test_merge_and_split_are_domain_events(client: TestClient, cast: Cast) -> None:
    send(client, cast.app_key,
         {"type": "identify", "anonymousId": "dev-1", "timestamp": t(0),
          "traits": {"phone": "13812345678"}},
         {"type": "identify", "userId": "u-9", "timestamp": t(1)},
         {"type": "identify", "userId": "u-9", "anonymousId": "dev-1", "timestamp": t(2)})
    admin = auth(cast.admin_token)
    page = client.get("/api/v1/domain-events", params={"name": "Person Merged"}, headers=admin)
    assert page.status_code == 200, page.text
    merged = page.json()["data"]
    assert len(merged) == 1 and len(merged[0]["properties"]["others"]) == 1
    person = merged[0]["person_id"]
    r = client.post(f"/api/v1/profiles/{person}/unmerge", headers=admin,
                    json={"identifier": "device_id:dev-1"})
    assert r.status_code == 200, r.text
    split = client.get("/api/v1/domain-events", params={"name": "Person Split"},
                       headers=admin).json()["data"]
    assert [e["person_id"] for e in split] == [person]
    assert split[0]["actor"] == "admin"
    assert client.get("/api/v1/domain-events",
                      headers=auth(cast.marketer_token)).status_code == 403
