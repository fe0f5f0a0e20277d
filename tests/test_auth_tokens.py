"""API tokens on the request path: cached briefly, refused when unknown or revoked."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.auth.tokens import TokenCache, create_token, revoke_token
from datong.errors import Unauthorized
from tests.conftest import Cast, auth


def test_cache_answers_then_sees_a_revocation_after_its_ttl(engine: Engine) -> None:
    with engine.begin() as db:
        secret = create_token(db=db, name="ops", role="marketer")
    cache = TokenCache(engine, ttl=0.2)
    assert cache.cached(secret) is None
    assert cache.authenticate(secret).name == "ops"
    assert cache.cached(secret) is not None
    with engine.begin() as db:
        revoke_token(db=db, name="ops")
    assert cache.cached(secret) is not None  # still within its ttl
    time.sleep(0.25)
    assert cache.cached(secret) is None
    with pytest.raises(Unauthorized):
        cache.authenticate(secret)
    with pytest.raises(Unauthorized):
        cache.authenticate("not-a-token")
    assert cache.cached("not-a-token") is None  # a refusal is never served from the cache


def test_api_refuses_missing_and_unknown_tokens(client: TestClient, cast: Cast) -> None:
    assert client.get("/api/v1/profiles/1").status_code == 401
    wrong = client.get("/api/v1/profiles/1", headers=auth("nope"))
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"
    clerk = client.get("/api/v1/profiles/1", headers=auth(cast.clerk_a_token))
    assert clerk.status_code == 403
    again = client.get("/api/v1/profiles/1", headers=auth(cast.clerk_a_token))  # cached
    assert again.status_code == 403
