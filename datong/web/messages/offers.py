"""Coupons and points as the console shows them: template and coupon states, the points
statement's entry kinds, causes and notes, and the coupon-template forms."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
