"""identity graph

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import datong.store.types
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identifiers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('first_seen_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_key', sa.String(length=160), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identifiers')),
    sa.UniqueConstraint('type', 'value', name=op.f('uq_identifiers_type_value'))
    )
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_identifiers_person_id', ['person_id'], unique=False)

    op.create_table('identity_conflicts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('identifier_type', sa.String(length=20), nullable=False),
    sa.Column('identifier_value', sa.String(length=200), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('person_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_conflicts'))
    )
    with op.batch_alter_table('identity_conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_identity_conflicts_event_id', ['event_id'], unique=False)

    op.create_table('identity_edges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('a_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('b_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.Column('revoked_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_edges'))
    )
    with op.batch_alter_table('identity_edges', schema=None) as batch_op:
        batch_op.create_index('ix_identity_edges_a_id', ['a_id'], unique=False)
        batch_op.create_index('ix_identity_edges_b_id', ['b_id'], unique=False)
        batch_op.create_index('ix_identity_edges_event_id', ['event_id'], unique=False)

    op.create_table('identity_merges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('other_person_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('edge_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_merges'))
    )
    with op.batch_alter_table('identity_merges', schema=None) as batch_op:
        batch_op.create_index('ix_identity_merges_person_id', ['person_id'], unique=False)

    op.create_table('identity_observations',
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'identifier_id', name=op.f('pk_identity_observations'))
    )
    with op.batch_alter_table('identity_observations', schema=None) as batch_op:
        batch_op.create_index('ix_identity_observations_identifier_id', ['identifier_id'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', datong.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('merged_into', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('merged_at', datong.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_key', sa.String(length=160), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )


def downgrade() -> None:
    op.drop_table('persons')
    with op.batch_alter_table('identity_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_observations_identifier_id')

    op.drop_table('identity_observations')
    with op.batch_alter_table('identity_merges', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_merges_person_id')

    op.drop_table('identity_merges')
    with op.batch_alter_table('identity_edges', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_edges_event_id')
        batch_op.drop_index('ix_identity_edges_b_id')
        batch_op.drop_index('ix_identity_edges_a_id')

    op.drop_table('identity_edges')
    with op.batch_alter_table('identity_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_conflicts_event_id')

    op.drop_table('identity_conflicts')
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.drop_index('ix_identifiers_person_id')

    op.drop_table('identifiers')
