"""Imports every domain's tables so `metadata` describes the whole state store."""

from datong.auth import tables as _auth  # noqa: F401
from datong.identity import tables as _identity  # noqa: F401
from datong.identity.suggestions import tables as _suggestions  # noqa: F401
from datong.ingest import tables as _ingest  # noqa: F401
from datong.loyalty import tables as _loyalty  # noqa: F401
from datong.offers import tables as _offers  # noqa: F401
from datong.outbox import tables as _outbox  # noqa: F401
from datong.profiles import tables as _profiles  # noqa: F401
from datong.store.metadata import metadata
from datong.stores import tables as _stores  # noqa: F401
from datong.web import tables as _web  # noqa: F401

__all__ = ["metadata"]
