"""The relational state store: SQLAlchemy engine, shared column types, Alembic migrations."""
