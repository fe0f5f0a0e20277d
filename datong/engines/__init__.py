"""Analytics engines behind one small interface: DuckDB now, Spark later; imported lazily."""

from datong.engines.base import SQL_DIALECT, AnalyticsEngine
from datong.engines.registry import ENGINES, create_engine

__all__ = ["ENGINES", "SQL_DIALECT", "AnalyticsEngine", "create_engine"]
