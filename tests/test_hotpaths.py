"""The hot paths (claim, validate, redeem answered in front of the framework) answer exactly
what the framework's routes answer, successes and refusals alike, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from datong.app import create_app
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.offers_helpers import claim, create_template, make_persons, redeem_body

VOLATILE = {"redeemed_at", "redemption_id", "issued_at", "valid_from", "valid_until", "id",
            "coupon_id", "code", "code_display", "qr", "person_id"}


@pytest.fixture
def plain(settings: Settings, client: TestClient) -> Iterator[TestClient]:
    """A second server on the same store with the hot paths off (the framework's routes)."""
    with TestClient(create_app(settings.model_copy(update={"hot_paths": False}))) as other:
        yield other


def _shape(response: Any) -> tuple[int, Any]:
    body = response.json()
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in VOLATILE}
    return response.status_code, body


def test_both_paths_answer_alike(client: TestClient, plain: TestClient, cast: Cast) -> None:
    a, b = make_persons(client, cast.app_key, 2)
    tpl = create_template(client, cast.marketer_token, stock=3)
    clerk = auth(cast.clerk_a_token)
    first, second = claim(client, cast.marketer_token, tpl["id"], a), \
        claim(plain, cast.marketer_token, tpl["id"], b)
    assert _shape(first) == _shape(second) and first.status_code == 201
    codes = [first.json()["code"], second.json()["code"]]
    for app in (client, plain):  # the same refusal: the person holds the most allowed
        again = claim(app, cast.marketer_token, tpl["id"], a)
        assert again.status_code == 409 and again.json()["error"]["code"] == "limit_reached"
    for code, app in ((codes[0], client), (codes[1], plain)):
        v = app.post("/api/v1/coupons/validate", headers=clerk, json={
            "code": code, "order_amount": 40000, "channel": "offline", "store": "SH01"})
        assert v.status_code == 200 and v.json()["discount"] == 5000
    answers = [app.post("/api/v1/coupons/redeem", headers=clerk,
                        json=redeem_body(code, f"o-{i}", key=f"k-{i}"))
               for i, (code, app) in enumerate(zip(codes, (client, plain), strict=True))]
    assert [_shape(r)[0] for r in answers] == [200, 200]
    assert {k: v for k, v in _shape(answers[0])[1].items() if k != "order_id"} == \
        {k: v for k, v in _shape(answers[1])[1].items() if k != "order_id"}
    replays = [app.post("/api/v1/coupons/redeem", headers=clerk,
                        json=redeem_body(codes[0], "o-0", key="k-0")) for app in (client, plain)]
    assert replays[0].json() == replays[1].json() and replays[0].json()["replayed"] is True


@pytest.mark.parametrize("case", ["no_token", "bad_token", "bad_json", "bad_field", "unknown",
                                  "wrong_store"])
def test_refusals_are_the_same_errors(client: TestClient, plain: TestClient, cast: Cast,
                                      case: str) -> None:
    clerk = auth(cast.clerk_a_token)
    body = redeem_body("23456789ABCDEF", "o-x")
    requests: dict[str, dict[str, Any]] = {
        "no_token": {"json": body},
        "bad_token": {"json": body, "headers": auth("dt_nope")},
        "bad_json": {"content": b"{not json", "headers": {**clerk,
                                                          "Content-Type": "application/json"}},
        "bad_field": {"json": {**body, "order_amount": -1}, "headers": clerk},
        "unknown": {"json": body, "headers": clerk},
        "wrong_store": {"json": {**body, "store": "BJ01"}, "headers": clerk},
    }
    answers = [app.post("/api/v1/coupons/redeem", **requests[case]) for app in (client, plain)]
    hot, framework = answers
    assert hot.status_code == framework.status_code and 400 <= hot.status_code < 500, \
        (hot.text, framework.text)
    assert hot.json()["error"]["code"] == framework.json()["error"]["code"]
    if case in ("bad_field", "unknown", "wrong_store", "no_token"):
        assert hot.json() == framework.json()
    if case == "no_token":
        assert hot.headers["www-authenticate"] == "Bearer"
