"""Alembic environment: the engine comes from `config.attributes` (see kpi_core.storage.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from kpi_core.storage.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # Two replicas starting together must not race each other through the migrations.
        connection.execute(text("SELECT pg_advisory_lock(72120301)"))
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(72120301)"))
            connection.commit()
