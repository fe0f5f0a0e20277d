"""Bad input is a 4xx with `{"error": {"code", "message", "field"}}`, never a 500, on SQLite
and PostgreSQL: ids past 2^63-1 (and INTEGER keys past 2^31-1), digits that are not ASCII,
stock, points and money past what their columns hold, a non-ASCII enrolment token. Every
probe runs against one small world, which must be exactly as it was afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, select

from datong.app import create_app
from datong.bounds import INT32_MAX, INT64_MAX, MAX_FEN, MAX_POINTS, parse_id
from datong.errors import Invalid
from datong.ingest.tables import events, quarantine
from datong.loyalty.codes import read_enrol_link
from datong.loyalty.tables import entries, holds, members, program_table
from datong.offers.tables import coupon_templates, coupons, experiences, reservations
from datong.settings import Settings
from datong.store.types import utcnow
from tests.conftest import Cast, auth
from tests.loyalty_helpers import enrol, order, track
from tests.offers_helpers import claim, create_template, iso, make_persons

HUGE = 2**64  # past every column
BIG = str(10**20)
PHONE = "13812345678"
WATCHED: tuple[Table, ...] = (coupon_templates, coupons, members, entries, holds, experiences,
                              reservations, program_table, quarantine, events)


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    body: Any = None
    status: int = 400
    code: str = "invalid"
    field: str | None = None
    token: str = "admin"


def _world(client: TestClient, cast: Cast) -> dict[str, Any]:
    template = create_template(client, cast.marketer_token)
    person = make_persons(client, cast.app_key, 1)[0]
    coupon = claim(client, cast.marketer_token, template["id"], person).json()
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-1", 20_000, phone=PHONE))
    r = client.post("/api/v1/reservations/experiences", headers=auth(cast.marketer_token),
                    json={"store": "SH01", "name": "肌肤测试"})
    experience = r.json()
    r = client.post(f"/api/v1/reservations/experiences/{experience['id']}/slots",
                    headers=auth(cast.marketer_token),
                    json={"slots": [{"starts_at": iso(timedelta(days=1)),
                                     "ends_at": iso(timedelta(days=1, hours=1)),
                                     "capacity": 2}]})
    slot = r.json()["data"][0]
    r = client.post("/v1/track", auth=(cast.pos_key, ""), json={"event": "X", "messageId": "q"})
    assert r.json()["quarantined"] == 1
    return {"template": template["id"], "person": person, "coupon": coupon["code"],
            "member": member["id"], "experience": experience["id"], "slot": slot["id"]}


def _redeem_body(w: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"code": w["coupon"], "order_id": "SH01-1", "order_amount": 40_000,
            "channel": "offline", "store": "SH01", "idempotency_key": "k-1", **changes}


def _points_body(**changes: Any) -> dict[str, Any]:
    return {"points": 10, "idempotency_key": "p-1", "order_ref": "SH01-2", **changes}


def _template_body(**changes: Any) -> dict[str, Any]:
    return {"name": "x", "kind": "amount_off", "amount_off": 100, "valid_days": 7, **changes}


def _probes(w: dict[str, Any]) -> list[Probe]:
    t, m = w["template"], w["member"]
    return [
        # ids in paths
        Probe("profile by huge id", "GET", f"/api/v1/profiles/{BIG}", status=404,
              code="not_found", field="person_id"),
        Probe("profile by superscript digit", "GET", "/api/v1/profiles/²", field="key"),
        Probe("profile by Arabic-Indic digits", "GET", "/api/v1/profiles/١٢٣", field="key"),
        Probe("timeline of huge person", "GET", f"/api/v1/profiles/{BIG}/timeline",
              field="person_id"),
        Probe("timeline cursor with a huge id", "GET",
              f"/api/v1/profiles/1/timeline?cursor=1_{BIG}", field="cursor"),
        Probe("merges of huge person", "GET", f"/api/v1/profiles/{BIG}/merges",
              field="person_id"),
        Probe("tag on huge person", "POST", f"/api/v1/profiles/{BIG}/tags", {"tag": "vip"},
              field="person_id"),
        Probe("unmerge a huge edge", "POST", "/api/v1/profiles/1/unmerge",
              {"edge_id": HUGE}, field="edge_id"),
        Probe("coupon by huge id", "GET", f"/api/v1/coupons/{BIG}", field="coupon_id"),
        Probe("coupon QR by huge id", "GET", f"/api/v1/coupons/{BIG}/qr.svg",
              field="coupon_id"),
        Probe("template past INTEGER", "GET", f"/api/v1/coupons/templates/{INT32_MAX + 1}",
              field="template_id"),
        Probe("template versions by huge id", "GET",
              f"/api/v1/coupons/templates/{BIG}/versions", field="template_id"),
        Probe("patch huge template", "PATCH", f"/api/v1/coupons/templates/{BIG}",
              {"name": "x"}, field="template_id"),
        Probe("slots of huge experience", "POST",
              f"/api/v1/reservations/experiences/{BIG}/slots",
              {"slots": [{"starts_at": iso(timedelta(days=2)),
                          "ends_at": iso(timedelta(days=2, hours=1)), "capacity": 1}]},
              field="experience_id"),
        Probe("slots filtered by huge experience", "GET",
              f"/api/v1/reservations/slots?experience_id={BIG}", field="experience_id"),
        Probe("cancel huge reservation", "POST", f"/api/v1/reservations/{BIG}/cancel", {},
              field="reservation_id"),
        Probe("settle huge hold", "POST", f"/api/v1/members/{m}/points/holds/{BIG}/capture",
              field="hold_id"),
        Probe("quarantined item by huge id", "GET", f"/api/v1/quarantine/{BIG}",
              field="item_id"),
        Probe("events after a huge cursor", "GET", f"/api/v1/events?cursor={BIG}",
              field="cursor"),
        Probe("domain events of a huge person", "GET",
              f"/api/v1/domain-events?person_id={BIG}", field="person_id"),
        # people and members named by text
        Probe("wallet of a huge person", "GET", f"/api/v1/coupons?person={BIG}", status=404,
              code="not_found", field="person_id", token="marketer"),
        Probe("wallet of a superscript person", "GET", "/api/v1/coupons?person=²",
              field="person", token="marketer"),
        Probe("claim for a huge person", "POST", "/api/v1/coupons/claim",
              {"template_id": t, "person": BIG}, status=404, code="not_found",
              field="person_id", token="marketer"),
        Probe("member by huge id", "GET", f"/api/v1/members/{BIG}", status=404,
              code="not_a_member", field="member"),
        Probe("member by superscript digit", "GET", "/api/v1/members/²", status=404,
              code="not_a_member", field="member"),
        Probe("member code in Arabic-Indic digits", "GET",
              "/api/v1/members?q=" + "9" + "١" * 17, status=404, code="not_a_member",
              field="member"),
        Probe("statement past a huge cursor", "GET",
              f"/api/v1/members/{m}/statement?cursor={BIG}", field="cursor"),
        Probe("statement past a superscript cursor", "GET",
              f"/api/v1/members/{m}/statement?cursor=²", field="cursor"),
        # ids in bodies
        Probe("claim a huge template", "POST", "/api/v1/coupons/claim",
              {"template_id": HUGE, "person": w["person"]}, field="template_id",
              token="marketer"),
        Probe("claim a template past INTEGER", "POST", "/api/v1/coupons/claim",
              {"template_id": INT32_MAX + 1, "person": w["person"]}, field="template_id",
              token="marketer"),
        Probe("bulk issue a huge template", "POST", "/api/v1/coupons/issue",
              {"template_id": HUGE, "persons": [w["person"]]}, field="template_id",
              token="marketer"),
        Probe("exchange a huge template", "POST", "/api/v1/coupons/exchange",
              {"template_id": HUGE, "person": w["person"], "idempotency_key": "x"},
              field="template_id", token="marketer"),
        Probe("book a huge slot", "POST", "/api/v1/reservations",
              {"slot_id": HUGE, "person": w["person"]}, field="slot_id", token="marketer"),
        Probe("experience with a huge coupon template", "POST",
              "/api/v1/reservations/experiences",
              {"store": "SH01", "name": "x", "coupon_template_id": INT32_MAX + 1},
              field="coupon_template_id", token="marketer"),
        # quantities, points and money
        Probe("stock past INTEGER", "POST", "/api/v1/coupons/templates",
              _template_body(stock=INT32_MAX + 1), field="stock", token="marketer"),
        Probe("stock change past INTEGER", "PATCH", f"/api/v1/coupons/templates/{t}",
              {"stock": INT32_MAX + 1}, field="stock", token="marketer"),
        Probe("amount off past fen", "POST", "/api/v1/coupons/templates",
              _template_body(amount_off=MAX_FEN + 1), field="amount_off",
              token="marketer"),
        Probe("min spend past fen", "POST", "/api/v1/coupons/templates",
              _template_body(min_spend=HUGE), field="min_spend", token="marketer"),
        Probe("threshold tier past fen", "POST", "/api/v1/coupons/templates",
              _template_body(kind="threshold", amount_off=None,
                             tiers=[{"spend": HUGE, "off": 100}]),
              field="tiers.0.spend", token="marketer"),
        Probe("points cost past points", "POST", "/api/v1/coupons/templates",
              _template_body(kind="points_exchange", points_cost=MAX_POINTS + 1),
              field="points_cost", token="marketer"),
        Probe("changed terms past fen", "PATCH", f"/api/v1/coupons/templates/{t}",
              {"terms": {"min_spend": HUGE}}, field="terms.min_spend", token="marketer"),
        Probe("redeem a huge order amount", "POST", "/api/v1/coupons/redeem",
              _redeem_body(w, order_amount=HUGE), field="order_amount"),
        Probe("validate a huge order amount", "POST", "/api/v1/coupons/validate",
              _redeem_body(w, order_amount=MAX_FEN + 1), field="order_amount"),
        Probe("adjust by huge points", "POST", f"/api/v1/members/{m}/points/adjust",
              {"points": 10**20, "reason": "typo", "idempotency_key": "a-1"},
              field="points"),
        Probe("adjust by huge negative points", "POST", f"/api/v1/members/{m}/points/adjust",
              {"points": -(10**20), "reason": "typo", "idempotency_key": "a-2"},
              field="points"),
        Probe("redeem huge points", "POST", f"/api/v1/members/{m}/points/redeem",
              _points_body(points=HUGE), field="points"),
        Probe("hold huge points", "POST", f"/api/v1/members/{m}/points/redeem",
              _points_body(points=MAX_POINTS + 1, hold=True), field="points"),
        Probe("till order with a huge total", "POST", f"/api/v1/members/{m}/orders",
              {"order_id": "SH01-3", "total": HUGE}, field="total"),
        Probe("till order with a huge line price", "POST", f"/api/v1/members/{m}/orders",
              {"order_id": "SH01-4", "total": 100,
               "products": [{"product_id": "A", "price": HUGE, "quantity": 1}]},
              field="products"),
        Probe("program tier threshold past fen", "PUT", "/api/v1/loyalty/program",
              'name = "x"\n[[tiers]]\ncode = "regular"\nname = "a"\nthreshold = 0\n'
              '[[tiers]]\ncode = "gold"\nname = "b"\nthreshold = 18446744073709551616\n',
              field="tiers.1.threshold"),
        Probe("quarantine replay with a huge number", "POST", "/api/v1/quarantine/1/replay",
              {"message": {"type": "track", "event": "X", "anonymousId": "a",
                           "messageId": "q", "properties": {"n": HUGE}}},
              field="message"),
        # signed links
        Probe("enrol with a non-ASCII token", "POST", "/api/v1/members",
              {"phone": "13900001111", "enrol_token": "x.é"}, code="bad_enrol_link",
              field="enrol_token"),
        Probe("enrol with a non-ASCII body", "POST", "/api/v1/members",
              {"phone": "13900001111", "enrol_token": "é.abc"}, code="bad_enrol_link",
              field="enrol_token"),
    ]


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as db:
        return {t.name: [tuple(r) for r in db.execute(select(t).order_by(*t.primary_key))]
                for t in WATCHED}


def _send(client: TestClient, cast: Cast, probe: Probe) -> Any:
    headers = auth({"admin": cast.admin_token, "marketer": cast.marketer_token}[probe.token])
    if isinstance(probe.body, str):
        return client.request(probe.method, probe.path, content=probe.body.encode(),
                              headers={**headers, "Content-Type": "application/toml"})
    return client.request(probe.method, probe.path, headers=headers, json=probe.body)


@pytest.fixture
def lenient(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """Like `client`, but a server error is an answer (500) to count, not an exception."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def test_bad_numbers_are_refused_and_change_nothing(lenient: TestClient, cast: Cast,
                                                    engine: Engine) -> None:
    client = lenient
    world = _world(client, cast)
    before = _snapshot(engine)
    wrong = []
    for probe in _probes(world):
        r = _send(client, cast, probe)
        error = r.json().get("error", {}) if r.headers["content-type"].startswith(
            "application/json") else {}
        got = (r.status_code, error.get("code"), error.get("field"))
        if got != (probe.status, probe.code, probe.field) or not error.get("message"):
            wrong.append(f"{probe.name}: {got} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert _snapshot(engine) == before


def test_every_integer_the_api_takes_has_bounds(tmp_path: Path) -> None:
    """A new route or field without a bound fails here, not in production."""
    app = create_app(Settings(env="test", data_dir=tmp_path, lake_sync_interval=0,
                              loyalty_jobs_interval=0))
    spec = app.openapi()
    unbounded = [where for where, schema in _integers(spec)
                 if schema.get("maximum") is None or schema["maximum"] > float(INT64_MAX)]
    assert not unbounded, unbounded


def _integers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Integer schemas of every parameter and request body (answers are not input)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            for p in op.get("parameters", []):
                found += _walk(spec, p["schema"], f"{where} {p['name']}", set())
            for media in op.get("requestBody", {}).get("content", {}).values():
                found += _walk(spec, media["schema"], f"{where} body", set())
    return found


def _walk(spec: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
          ) -> list[tuple[str, dict[str, Any]]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _walk(spec, spec["components"]["schemas"][name], where, seen | {name})
    if schema.get("type") == "integer":
        return [(where, schema)]
    out = []
    for key, sub in schema.get("properties", {}).items():
        out += _walk(spec, sub, f"{where}.{key}", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            out += _walk(spec, sub, where, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            out += _walk(spec, schema[key], f"{where}[]", seen)
    for sub in schema.get("prefixItems", []):
        out += _walk(spec, sub, f"{where}[]", seen)
    return out


def test_parse_id_takes_ascii_digits_in_range_only() -> None:
    assert parse_id("42") == 42 and parse_id(str(INT64_MAX)) == INT64_MAX
    for text in ("0", str(INT64_MAX + 1), BIG, "²", "١٢٣", "１２", "", "-1", " 1", "1e3"):
        assert parse_id(text) is None, text
    assert parse_id(str(INT32_MAX + 1), upper=INT32_MAX) is None


@pytest.mark.parametrize("token", ["x.é", "é.x", "ab.cd\u0000", "..", "é"])
def test_a_non_ascii_enrolment_token_is_a_bad_link(token: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_enrol_link(secret="s" * 16, token=token, now=utcnow())
    assert caught.value.code == "bad_enrol_link"


def test_bounds_leave_room_in_bigint_sums() -> None:
    assert MAX_FEN * 9000 < INT64_MAX and MAX_POINTS * 9_000_000 < INT64_MAX


def test_an_order_too_large_for_any_column_earns_nothing_and_blocks_nothing(
        client: TestClient, cast: Cast) -> None:
    """A POS that sends a total past MAX_FEN: the event is kept, it earns nothing, and the
    member's later orders still earn (no sum of theirs overflows)."""
    member = enrol(client, cast.admin_token, PHONE)
    for n, total in enumerate((INT64_MAX, INT64_MAX + 5, 2**64 - 1, 10**30, MAX_FEN + 1)):
        message = order(f"POS-{n}", total, phone=PHONE, message_id=f"pos-{n}")
        r = client.post("/v1/track", auth=(cast.pos_key, ""), json=message)
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    track(client, cast.pos_key, order("POS-ok", 12_300, phone=PHONE))
    points = client.get(f"/api/v1/members/{member['id']}",
                        headers=auth(cast.admin_token)).json()["points"]
    assert points["balance"] + points["pending"] == 123
