"""sources.user_id_type: which identifier type a source's userId carries

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("user_id_type", sa.String(length=20), nullable=False,
                                   server_default="user_id"))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("user_id_type")
