"""What every CLI command shares: settings from the environment, the store, error output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy import Connection, Engine

from datong.settings import Settings, load_settings
from datong.store.database import open_store

console = Console()
errors = Console(stderr=True)


class _Invocation:
    """Settings and store of one CLI invocation, built on first use, dropped at the next."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.engine: Engine | None = None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


_current = _Invocation()


def start_invocation() -> None:
    """Called by the root command: each invocation reads the environment afresh."""
    global _current
    _current.close()
    _current = _Invocation()


def settings() -> Settings:
    if _current.settings is None:
        _current.settings = load_settings()
    return _current.settings


def engine() -> Engine:
    if _current.engine is None:
        _current.engine = open_store(settings())
    return _current.engine


@contextmanager
def transaction() -> Iterator[Connection]:
    with engine().begin() as conn:
        yield conn


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)
