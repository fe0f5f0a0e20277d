"""Shared fixtures: each state-store test runs on SQLite and on a real PostgreSQL server.

The cast: an admin token, a marketer token, store A and store B, a clerk of store A, an
online source (app) and an offline source (POS), each with its write key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine

from datong.app import create_app
from datong.auth.tokens import create_token
from datong.ingest.sources import create_source
from datong.settings import Settings
from datong.store.database import open_store
from datong.store.migrate import upgrade
from datong.stores.schemas import StoreCreate
from datong.stores.service import create_store
from tests import pg

BACKENDS = ["sqlite", "postgres"]
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _migrate(url: str) -> None:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[pg.TemplateDatabases]:
    problem = pg.reachable()
    if problem is not None:
        pytest.fail(f"PostgreSQL is not reachable at {pg.admin_url()} (run `make test`): {problem}")
    databases = pg.TemplateDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for a fresh, empty, migrated state store on the test's backend."""
    url = ""
    name = None
    if backend == "postgres":
        databases: pg.TemplateDatabases = request.getfixturevalue("pg_databases")
        databases.ensure_template(_migrate)
        name = databases.clone()
        url = pg.database_url(name)
    yield Settings(
        env="test",
        data_dir=tmp_path / "data",
        database_url=url,
        lake_sync_interval=0,
        loyalty_jobs_interval=0,  # tests run the loyalty jobs themselves, when they mean to
        sqlite_synchronous="NORMAL",
    )
    if name is not None:
        request.getfixturevalue("pg_databases").drop(name)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_store(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction, committed at the end (each test has its own store)."""
    with engine.begin() as conn:
        yield conn


@dataclass
class Cast:
    admin_token: str
    marketer_token: str
    clerk_a_token: str
    store_a: int
    store_b: int
    app_key: str
    pos_key: str


def make_cast(engine: Engine) -> Cast:
    with engine.begin() as db:
        store_a = create_store(db=db, data=StoreCreate(code="SH01", name="上海静安店", city="上海"))
        store_b = create_store(
            db=db, data=StoreCreate(code="BJ01", name="北京三里屯店", city="北京")
        )
        _, app_key = create_source(db=db, name="app", channel="online")
        _, pos_key = create_source(db=db, name="pos", channel="offline")
        return Cast(
            admin_token=create_token(db=db, name="admin", role="admin"),
            marketer_token=create_token(db=db, name="marketer", role="marketer"),
            clerk_a_token=create_token(db=db, name="clerk-a", role="clerk", store_id=store_a.id),
            store_a=store_a.id,
            store_b=store_b.id,
            app_key=app_key,
            pos_key=pos_key,
        )


@pytest.fixture
def cast(engine: Engine) -> Cast:
    return make_cast(engine)


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The ASGI app over real HTTP semantics (in process), lifespan started."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(settings: Settings, engine: Engine) -> Iterator[ClientFor]:
    """Clients over apps whose settings differ from the test's by these options (all on the
    test's store), closed at the end."""
    opened: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=options)))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def online_retail() -> Path:
    path = Path(os.environ.get("DATONG_SHARED_DATA", SHARED_DATA)) / "online_retail.parquet"
    if not path.exists():
        pytest.fail(f"the shared data file {path} is missing")
    return path
