"""What every CLI command shares: settings from the environment, the store, error output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import typer
from rich.console import Console
from sqlalchemy import Connection, Engine

from datong.settings import Settings, load_settings
from datong.store.database import open_store

console = Console()
errors = Console(stderr=True)


@cache
def settings() -> Settings:
    return load_settings()


@cache
def engine() -> Engine:
    return open_store(settings())


@contextmanager
def transaction() -> Iterator[Connection]:
    with engine().begin() as conn:
        yield conn


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)
