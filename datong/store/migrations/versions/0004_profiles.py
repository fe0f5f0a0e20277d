"""customer profiles

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import datong.store.types
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _time(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, datong.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('profile_traits',
    sa.Column('person_id', _ID, nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', _JSON, nullable=True),
    _time('at', nullable=False),
    sa.Column('event_id', _ID, nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'key', name=op.f('pk_profile_traits'))
    )
    op.create_table('profile_stats',
    sa.Column('person_id', _ID, nullable=False),
    _time('first_seen_at'), _time('last_seen_at'),
    _time('online_first_at'), _time('online_last_at'),
    _time('offline_first_at'), _time('offline_last_at'),
    sa.Column('online_orders', sa.Integer(), nullable=False),
    sa.Column('offline_orders', sa.Integer(), nullable=False),
    sa.Column('online_spend', sa.BigInteger(), nullable=False),
    sa.Column('offline_spend', sa.BigInteger(), nullable=False),
    _time('last_order_at'),
    sa.Column('rfm_r', sa.Integer(), nullable=True),
    sa.Column('rfm_f', sa.Integer(), nullable=True),
    sa.Column('rfm_m', sa.Integer(), nullable=True),
    _time('rfm_at'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_profile_stats'))
    )
    op.create_table('profile_stores',
    sa.Column('person_id', _ID, nullable=False),
    sa.Column('store_code', sa.String(length=32), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'store_code', name=op.f('pk_profile_stores'))
    )
    op.create_table('profile_tags',
    sa.Column('person_id', _ID, nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    _time('created_at', nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('person_id', 'tag', name=op.f('pk_profile_tags'))
    )
    with op.batch_alter_table('profile_tags', schema=None) as batch_op:
        batch_op.create_index('ix_profile_tags_tag', ['tag'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('profile_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_tags_tag')
    op.drop_table('profile_tags')
    op.drop_table('profile_stores')
    op.drop_table('profile_stats')
    op.drop_table('profile_traits')
