"""The ranges of the numbers datong stores, as annotated types shared by the API's path
parameters and the pydantic schemas, so an out-of-range number is a 400 naming its field
rather than a database overflow (a 500). Pydantic only: domain code may import it too.

SQLite and PostgreSQL BIGINT hold up to 2^63-1, PostgreSQL INTEGER up to 2^31-1. Money and
points are bounded well inside BIGINT, so the sums kept over many orders (spend per person,
a member's balance) cannot overflow either.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT, SQLite INTEGER
MAX_FEN = 10**15  # ¥10 trillion in one amount; ~9,000 such orders still fit a BIGINT sum
MAX_POINTS = 10**12  # one movement of points

Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""A row id of a BIGINT key: person, coupon, member, hold, reservation, slot, event…"""

SmallId = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""A row id of an INTEGER key: coupon template, store, experience, source."""

Cursor = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""A numeric page cursor (the last id seen)."""

Count = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""A quantity kept in an INTEGER column, such as a template's stock."""

Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
"""An amount of money in fen (minor units), 0 or more."""

StrictFen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]
"""Fen that must arrive as a JSON integer (not "12" or 12.0)."""

Points = Annotated[StrictInt, Field(ge=1, le=MAX_POINTS)]
"""Points spent, held or charged: a whole number above 0."""

PointsChange = Annotated[StrictInt, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
"""Points added (positive) or taken (negative) by an admin's adjustment."""


def parse_id(text: str, *, upper: int = INT64_MAX) -> int | None:
    """The id that `text` spells in ASCII digits when it is within 1..upper, else None.

    `str.isdigit()` alone is not enough: it accepts "²" and "١٢٣", which int() refuses or
    reads, and any length, which the database cannot bind."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(upper)):
        return None
    value = int(text)
    return value if 1 <= value <= upper else None


def is_ascii_digits(text: str) -> bool:
    """Only 0-9 (what a till or a scanner sends), at least one."""
    return text.isascii() and text.isdigit()


def _json_numbers_fit(value: object) -> object:
    """Free-form JSON (a product line, say) is stored as JSON: its integers must fit 64 bits."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > INT64_MAX:
            raise ValueError(f"numbers must lie within ±{INT64_MAX}")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_json_numbers_fit)]
"""A free-form JSON object whose integers fit 64 bits (so it can be stored as JSON)."""

JsonList = Annotated[list[dict[str, Any]], AfterValidator(_json_numbers_fit)]
"""A list of free-form JSON objects whose integers fit 64 bits."""


def whole_fen(value: object) -> int | None:
    """Money as an event carries it: whole fen (an int, or a float with nothing after the
    point) within ±MAX_FEN, else None — an amount no column or sum could hold is no amount."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) <= MAX_FEN:
        return value
    return None
