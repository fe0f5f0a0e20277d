"""identity clock: a token every write to identifiers changes (lets a process cache them)

Revision ID: 0007
Revises: 0006

`identity_clock` holds one row. Triggers give it a new token on every INSERT, UPDATE or
DELETE of `identifiers` (and TRUNCATE on PostgreSQL), whoever writes: the server, the CLI, a
test. A process that keeps identifier rows in memory compares the token at the start of a
transaction with the one its rows were read or written at.

- SQLite: per-row triggers set a random 64-bit token (a token never comes back after a
  rollback, as a counter could).
- PostgreSQL: a statement-level trigger, before the rows change, sets the token from a
  sequence (never reused, not rolled back); taking the row's lock first also serialises
  writers of identifiers with a reader that holds it (`SELECT … FOR UPDATE`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "identity_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_clock")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE identity_clock_token")
        # A random start: two stores never begin at the same token.
        op.execute("SELECT setval('identity_clock_token', 1 + (random() * 1e15)::bigint)")
        op.execute("INSERT INTO identity_clock (id, token) "
                   "VALUES (1, nextval('identity_clock_token'))")
        op.execute("""
            CREATE FUNCTION identity_clock_tick() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE identity_clock SET token = nextval('identity_clock_token') WHERE id = 1;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER identifiers_clock BEFORE INSERT OR UPDATE OR DELETE OR "
                   "TRUNCATE ON identifiers FOR EACH STATEMENT "
                   "EXECUTE FUNCTION identity_clock_tick()")
        return
    op.execute("INSERT INTO identity_clock (id, token) VALUES (1, random())")
    for event in _SQLITE_EVENTS:
        op.execute(f"CREATE TRIGGER identifiers_clock_{event.lower()} AFTER {event} "
                   "ON identifiers BEGIN "
                   "UPDATE identity_clock SET token = random() WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER identifiers_clock ON identifiers")
        op.execute("DROP FUNCTION identity_clock_tick()")
        op.drop_table("identity_clock")
        op.execute("DROP SEQUENCE identity_clock_token")
        return
    for event in _SQLITE_EVENTS:
        op.execute(f"DROP TRIGGER identifiers_clock_{event.lower()}")
    op.drop_table("identity_clock")
