"""Typed dependencies of the API layer: the runtime, a connection, the calling principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from datong.auth.roles import Role, require_role
from datong.auth.tokens import Principal
from datong.engines import AnalyticsEngine, create_engine
from datong.errors import Unauthorized
from datong.runtime import Runtime


# Dependencies that never block are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, and each such hop costs more than a profile lookup's queries.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Connection]:
    """One transaction per request, committed when the route returns without error."""
    with runtime.engine.begin() as conn:
        yield conn


def get_read_db(runtime: RuntimeDep) -> Iterator[Connection]:
    with runtime.engine.connect().execution_options(readonly=True) as conn, conn.begin():
        yield conn


DbDep = Annotated[Connection, Depends(get_db)]
ReadDbDep = Annotated[Connection, Depends(get_read_db)]


async def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("send an API token as Authorization: Bearer <token>")
    secret = secret.strip()
    known = runtime.tokens.cached(secret)  # no query and no thread hop on the usual path
    if known is not None:
        return known
    return await run_in_threadpool(runtime.tokens.authenticate, secret)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    require_role(principal.role, Role.admin)
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]


async def get_marketer(principal: CurrentPrincipal) -> Principal:
    require_role(principal.role, Role.admin, Role.marketer)
    return principal


MarketerPrincipal = Annotated[Principal, Depends(get_marketer)]


def get_analytics(runtime: RuntimeDep) -> Iterator[AnalyticsEngine]:
    """A session on the configured analytics engine for this request."""
    with create_engine(runtime.settings) as engine:
        yield engine


AnalyticsDep = Annotated[AnalyticsEngine, Depends(get_analytics)]
