"""offers: coupon templates, coupons, redemptions, referrals, reservations

Revision ID: 0201
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa
import datong.store.types
from sqlalchemy.dialects import postgresql

revision = '0201'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coupon_claims',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('template_id', 'person_id', name=op.f('pk_coupon_claims'))
    )
    op.create_table('coupon_orders',
    sa.Column('order_id', sa.String(length=100), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('coupons', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_coupon_orders'))
    )
    op.create_table('coupon_redemptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('coupon_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=100), nullable=False),
    sa.Column('order_amount', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('redeemed_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('restored_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restored_by', sa.String(length=120), nullable=True),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_coupon_redemptions_idempotency_key'))
    )
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_redemptions_coupon_id', ['coupon_id'], unique=False)
        batch_op.create_index('ix_coupon_redemptions_order_id', ['order_id'], unique=False)

    op.create_table('coupon_template_versions',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('template_id', 'version', name=op.f('pk_coupon_template_versions'))
    )
    op.create_table('coupon_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('per_person_limit', sa.Integer(), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_templates'))
    )
    op.create_table('coupons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor_identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('claim_channel', sa.String(length=10), nullable=False),
    sa.Column('claim_store_id', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('issued_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_from', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('redemption_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('expired_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issue_key', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('code', name=op.f('uq_coupons_code')),
    sa.UniqueConstraint('issue_key', name=op.f('uq_coupons_issue_key'))
    )
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index('ix_coupons_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_coupons_status_valid_until', ['status', 'valid_until'], unique=False)
        batch_op.create_index('ix_coupons_template_id_person_id', ['template_id', 'person_id'], unique=False)

    op.create_table('experiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('coupon_template_id', sa.Integer(), nullable=True),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiences'))
    )
    with op.batch_alter_table('experiences', schema=None) as batch_op:
        batch_op.create_index('ix_experiences_store_id', ['store_id'], unique=False)

    op.create_table('referral_codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor_identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_referral_codes_code'))
    )
    with op.batch_alter_table('referral_codes', schema=None) as batch_op:
        batch_op.create_index('ix_referral_codes_person_id', ['person_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('inviter_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('inviter_anchor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('invitee_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invitee_anchor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('trigger', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('inviter_coupon_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('invitee_coupon_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_invitee_person_id', ['invitee_person_id'], unique=False)
        batch_op.create_index('ix_referrals_inviter_person_id', ['inviter_person_id'], unique=False)

    op.create_table('reservation_slots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('experience_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation_slots'))
    )
    with op.batch_alter_table('reservation_slots', schema=None) as batch_op:
        batch_op.create_index('ix_reservation_slots_experience_id_starts_at', ['experience_id', 'starts_at'], unique=False)

    op.create_table('reservations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('experience_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor_identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by', sa.String(length=120), nullable=True),
    sa.Column('no_show_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('coupon_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations')),
    sa.UniqueConstraint('code', name=op.f('uq_reservations_code'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_reservations_slot_id', ['slot_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_slot_id')
        batch_op.drop_index('ix_reservations_person_id')

    op.drop_table('reservations')
    with op.batch_alter_table('reservation_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_reservation_slots_experience_id_starts_at')

    op.drop_table('reservation_slots')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_inviter_person_id')
        batch_op.drop_index('ix_referrals_invitee_person_id')

    op.drop_table('referrals')
    with op.batch_alter_table('referral_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_codes_person_id')

    op.drop_table('referral_codes')
    with op.batch_alter_table('experiences', schema=None) as batch_op:
        batch_op.drop_index('ix_experiences_store_id')

    op.drop_table('experiences')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index('ix_coupons_template_id_person_id')
        batch_op.drop_index('ix_coupons_status_valid_until')
        batch_op.drop_index('ix_coupons_person_id')

    op.drop_table('coupons')
    op.drop_table('coupon_templates')
    op.drop_table('coupon_template_versions')
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_redemptions_order_id')
        batch_op.drop_index('ix_coupon_redemptions_coupon_id')

    op.drop_table('coupon_redemptions')
    op.drop_table('coupon_orders')
    op.drop_table('coupon_claims')
