"""RFM boundaries: profile_rfm_cuts keeps the last batch's quintile boundaries

Revision ID: 0009
Revises: 0008

Empty until the next `datong profiles rebuild`; until then profiles show no RFM scores, as
before any batch.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import datong.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "profile_rfm_cuts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recency", _JSON, nullable=False),
        sa.Column("frequency", _JSON, nullable=False),
        sa.Column("monetary", _JSON, nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("computed_at", datong.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_rfm_cuts")),
    )


def downgrade() -> None:
    op.drop_table("profile_rfm_cuts")
