"""match suggestions

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import datong.store.types
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_suggestions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('match_probability', sa.Float(), nullable=False),
    sa.Column('match_weight', sa.Float(), nullable=False),
    sa.Column('features', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=100), nullable=True),
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.CheckConstraint('person_a < person_b', name=op.f('ck_match_suggestions_ordered_pair')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_suggestions')),
    sa.UniqueConstraint('person_a', 'person_b', name=op.f('uq_match_suggestions_person_a_person_b'))
    )
    with op.batch_alter_table('match_suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_match_suggestions_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('match_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_match_suggestions_status')

    op.drop_table('match_suggestions')
