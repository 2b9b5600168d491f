"""Storage: SQLAlchemy 2 ORM models, engines and Alembic migrations (SQLite and PostgreSQL)."""
