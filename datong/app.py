"""create_app(settings) -> the ASGI app: API, tracking endpoints, console, error handlers."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from datong import __version__
from datong.analytics.routes import router as analytics_router
from datong.api.errors import install_error_handlers
from datong.api.hotpaths import HotPaths
from datong.api.routes import router as api_router
from datong.engines.registry import preload
from datong.identity.suggestions.routes import router as suggestions_router
from datong.ingest.routes import router as tracking_router
from datong.lake.scheduler import start_periodic_sync
from datong.lake.status import lake_status
from datong.landing.routes import router as landing_router
from datong.loyalty.routes import router as loyalty_router
from datong.loyalty.scheduler import start_periodic_jobs
from datong.offers.referral_routes import router as referrals_router
from datong.offers.reservation_routes import router as reservations_router
from datong.offers.routes import HOT_PATHS as COUPON_HOT_PATHS
from datong.offers.routes import router as coupons_router
from datong.outbox.routes import router as domain_events_router
from datong.profiles.routes import router as profiles_router
from datong.runtime import Runtime
from datong.settings import Settings
from datong.web.errors import console_error
from datong.web.routes import router as web_router


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """The whole HTTP surface of datong, over one runtime built from `settings`."""
    runtime = runtime or Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        threading.Thread(target=preload, args=(runtime.settings,), name="engine-warm-up",
                         daemon=True).start()
        if runtime.settings.lake_sync_interval > 0:
            runtime.background.append(start_periodic_sync(runtime.engine, runtime.settings))
        if runtime.settings.loyalty_jobs_interval > 0:
            runtime.background.append(
                start_periodic_jobs(runtime.engine, runtime.settings, runtime.outbox))
        try:
            yield
        finally:
            await runtime.stop_async()

    app = FastAPI(title="datong", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app, pages=console_error)
    if runtime.settings.hot_paths:
        app.add_middleware(HotPaths, runtime=runtime, handlers=COUPON_HOT_PATHS)
    # Routes are matched in order: the ones called most (tracking, the counter's) first.
    app.include_router(tracking_router)
    app.include_router(coupons_router)
    app.include_router(loyalty_router)
    app.include_router(profiles_router)
    app.include_router(referrals_router)
    app.include_router(reservations_router)
    app.include_router(api_router)
    app.include_router(analytics_router)
    app.include_router(suggestions_router)
    app.include_router(domain_events_router)
    app.include_router(web_router)
    app.include_router(landing_router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return health(runtime)

    return app


def health(runtime: Runtime) -> dict[str, Any]:
    """State store reachable, lake state, ingest queue depth and version."""
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        store: dict[str, Any] = {"ok": True, "dialect": runtime.engine.dialect.name}
    except Exception as exc:  # health must answer even when the store does not
        store = {"ok": False, "error": type(exc).__name__}
    return {
        "ok": bool(store["ok"]),
        "version": __version__,
        "state_store": store,
        "lake": lake_status(runtime.settings.lake_dir),
        "ingest": {"pending": runtime.writer.pending},
    }
