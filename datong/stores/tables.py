from sqlalchemy import Column, Float, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import Json, UTCDateTime

stores = Table(
    "stores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("city", String(100), nullable=False, server_default=""),
    Column("address", String(500), nullable=False, server_default=""),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("timezone", String(64), nullable=False),
    # {"mon": ["10:00", "22:00"], ...}; a missing day means closed.
    Column("opening_hours", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
