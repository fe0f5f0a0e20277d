"""merge log by person: identity_merge_persons lists every person a merge or split involved

Revision ID: 0008
Revises: 0007

Backfilled from the JSON lists of identity_merges already written.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    table = op.create_table(
        "identity_merge_persons",
        sa.Column("merge_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.PrimaryKeyConstraint("merge_id", "person_id", name=op.f("pk_identity_merge_persons")),
    )
    op.create_index("ix_identity_merge_persons_person_id", "identity_merge_persons",
                    ["person_id"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, person_id, other_person_ids FROM identity_merges")).all()
    pairs: list[dict[str, int]] = []
    for merge_id, person_id, others in rows:
        if isinstance(others, str):
            others = json.loads(others)
        for person in {int(person_id), *(int(o) for o in others or ())}:
            pairs.append({"merge_id": int(merge_id), "person_id": person})
        if len(pairs) >= 10_000:
            op.bulk_insert(table, pairs)
            pairs = []
    if pairs:
        op.bulk_insert(table, pairs)


def downgrade() -> None:
    op.drop_index("ix_identity_merge_persons_person_id", table_name="identity_merge_persons")
    op.drop_table("identity_merge_persons")
