"""Offers state: coupon templates and their versions, coupons, redemptions, referrals,
in-store experiences with their slots and bookings.

Every row that belongs to a person also keeps an *anchor*: the identifier through which the
person was known when the row was made. Merges move rows to the survivor; a split sends each
row to whichever new person its anchor identifier now belongs to.
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table

from datong.store.metadata import metadata
from datong.store.types import BigId, Json, UTCDateTime

coupon_templates = Table(
    "coupon_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("status", String(10), nullable=False),  # active | paused | ended
    Column("version", Integer, nullable=False),  # the current version (new coupons get it)
    Column("stock", Integer, nullable=True),  # total that may ever be issued; NULL = unlimited
    Column("issued", Integer, nullable=False),  # how many were issued (the stock guard)
    Column("per_person_limit", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The terms a coupon is issued under; a change to a template writes a new version.
coupon_template_versions = Table(
    "coupon_template_versions",
    metadata,
    Column("template_id", Integer, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("terms", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(120), nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("template_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("person_id", BigId, nullable=False),
    Column("anchor_identifier_id", BigId, nullable=True),
    Column("status", String(10), nullable=False),  # issued | redeemed | expired
    # claim | bulk | points | referral | clerk | reservation
    Column("source", String(12), nullable=False),
    Column("claim_channel", String(10), nullable=False),  # online | offline
    Column("claim_store_id", Integer, nullable=True),
    Column("issued_by", String(120), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("redemption_id", BigId, nullable=True),  # the redemption in force, if redeemed
    Column("expired_at", UTCDateTime, nullable=True),
    # Idempotency of issuing: a repeated claim / points exchange / reward issues nothing new.
    Column("issue_key", String(200), nullable=True, unique=True),
    Index("ix_coupons_person_id", "person_id"),
    Index("ix_coupons_template_id_person_id", "template_id", "person_id"),
    Index("ix_coupons_status_valid_until", "status", "valid_until"),
)

# How many coupons of a template each person holds from claims: the per-person limit guard.
coupon_claims = Table(
    "coupon_claims",
    metadata,
    Column("template_id", Integer, primary_key=True),
    Column("person_id", BigId, primary_key=True),
    Column("claimed", Integer, nullable=False),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("coupon_id", BigId, nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),  # what was asked, to spot a reused key
    Column("order_id", String(100), nullable=False),
    Column("order_amount", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("channel", String(10), nullable=False),
    Column("store_id", Integer, nullable=True),
    Column("actor", String(120), nullable=False),
    Column("status", String(10), nullable=False),  # redeemed | restored | kept
    Column("redeemed_at", UTCDateTime, nullable=False),
    Column("restored_at", UTCDateTime, nullable=True),
    Column("restored_by", String(120), nullable=True),
    Column("response", Json, nullable=False),  # the first answer, replayed for the same key
    Index("ix_coupon_redemptions_order_id", "order_id"),
    Index("ix_coupon_redemptions_coupon_id", "coupon_id"),
)

# Coupons in force on an order: the stacking guard (one row per order, locked on use).
coupon_orders = Table(
    "coupon_orders",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("exclusive", Boolean, nullable=False),
    Column("coupons", Integer, nullable=False),
)

referral_codes = Table(
    "referral_codes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("person_id", BigId, nullable=False),
    Column("anchor_identifier_id", BigId, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_referral_codes_person_id", "person_id"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False),
    Column("inviter_person_id", BigId, nullable=False),
    Column("inviter_anchor_id", BigId, nullable=True),
    Column("invitee_person_id", BigId, nullable=False),
    Column("invitee_anchor_id", BigId, nullable=True),
    Column("status", String(10), nullable=False),  # pending | granted | refused
    Column("reason", String(200), nullable=True),  # why refused
    Column("trigger", String(12), nullable=False),  # enrolment | first_order
    Column("channel", String(10), nullable=True),
    Column("store_id", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("inviter_coupon_id", BigId, nullable=True),
    Column("invitee_coupon_id", BigId, nullable=True),
    Index("ix_referrals_inviter_person_id", "inviter_person_id"),
    Index("ix_referrals_invitee_person_id", "invitee_person_id"),
)

experiences = Table(
    "experiences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("description", String(500), nullable=False),
    Column("coupon_template_id", Integer, nullable=True),  # granted on check-in
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_experiences_store_id", "store_id"),
)

reservation_slots = Table(
    "reservation_slots",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("experience_id", Integer, nullable=False),
    Column("store_id", Integer, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False),  # seats held by live bookings (the guard)
    Index("ix_reservation_slots_experience_id_starts_at", "experience_id", "starts_at"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("slot_id", BigId, nullable=False),
    Column("experience_id", Integer, nullable=False),
    Column("store_id", Integer, nullable=False),
    Column("person_id", BigId, nullable=False),
    Column("anchor_identifier_id", BigId, nullable=True),
    Column("seats", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # booked | cancelled | checked_in | no_show
    Column("channel", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("checked_in_at", UTCDateTime, nullable=True),
    Column("checked_in_by", String(120), nullable=True),
    Column("no_show_at", UTCDateTime, nullable=True),
    Column("coupon_id", BigId, nullable=True),
    Index("ix_reservations_slot_id", "slot_id"),
    Index("ix_reservations_person_id", "person_id"),
)
