"""Every string the console shows, in zh-CN and English (one entry per key), kept per area.

A key appears in exactly one area; `MESSAGES` is their union.
"""

from __future__ import annotations

from datong.web.messages import (
    admin,
    counter,
    customers,
    errors,
    offers,
    overview,
    refusals,
    shell,
)

_AREAS = (shell, errors, refusals, overview, customers, counter, admin, offers)


def _union() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for area in _AREAS:
        twice = merged.keys() & area.MESSAGES.keys()
        if twice:
            raise AssertionError(f"message keys in two areas: {sorted(twice)}")
        merged.update(area.MESSAGES)
    return merged


MESSAGES: dict[str, dict[str, str]] = _union()
