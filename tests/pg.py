"""A fresh PostgreSQL database per test, cloned from a migrated template (fast, isolated)."""

from __future__ import annotations

import os
import uuid

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("DATONG_TEST_PG_URL", DEFAULT_ADMIN_URL)


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(name: str) -> str:
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def execute(sql: str) -> None:
    with psycopg.connect(_dsn(admin_url()), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        psycopg.connect(_dsn(admin_url()), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip()
    return None


class TemplateDatabases:
    """Creates one migrated template per test session and clones it for each test."""

    def __init__(self) -> None:
        self.template = f"datong_tpl_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []
        self._ready = False

    def ensure_template(self, migrate: object) -> None:
        if self._ready:
            return
        execute(f'CREATE DATABASE "{self.template}"')
        migrate(database_url(self.template))  # type: ignore[operator]
        self._ready = True

    def clone(self) -> str:
        name = f"datong_t_{uuid.uuid4().hex[:12]}"
        execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        for name in [*self.created, self.template] if self._ready else self.created:
            self.drop(name)
