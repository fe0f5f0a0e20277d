"""Which analytics engine runs, chosen by `settings.analytics_engine`; each imported lazily."""

from __future__ import annotations

import logging
from collections.abc import Callable

from datong.engines.base import AnalyticsEngine
from datong.errors import ConfigError
from datong.settings import Settings

EngineFactory = Callable[[Settings], AnalyticsEngine]
logger = logging.getLogger(__name__)


def _duckdb(settings: Settings) -> AnalyticsEngine:
    from datong.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine(settings.lake_dir)


def _spark(settings: Settings) -> AnalyticsEngine:
    raise ConfigError(
        "DATONG_ANALYTICS_ENGINE=spark: the Spark engine is not available yet; use duckdb",
        field="analytics_engine",
    )


ENGINES: dict[str, EngineFactory] = {"duckdb": _duckdb, "spark": _spark}


def create_engine(settings: Settings) -> AnalyticsEngine:
    """The configured engine over the settings' lake, not yet connected."""
    factory = ENGINES.get(settings.analytics_engine)
    if factory is None:
        names = ", ".join(ENGINES)
        raise ConfigError(
            f"DATONG_ANALYTICS_ENGINE must be one of {names}", field="analytics_engine"
        )
    return factory(settings)


def preload(settings: Settings) -> None:
    """Import the configured engine's libraries ahead of the first report (seconds of
    imports the first console page would otherwise wait for); run in a background thread."""
    try:
        with create_engine(settings) as engine:
            engine.sql("SELECT 1 AS ready", fresh=False)
    except Exception:  # a failed warm-up only means a slower first report
        logger.warning("analytics engine warm-up failed", exc_info=True)
