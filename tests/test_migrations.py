from __future__ import annotations

from sqlalchemy import inspect

from kpi_core.storage.db import Database
from kpi_core.storage.migrate import current_revision, upgrade


def test_migrations_from_an_empty_database(db_url: str) -> None:
    database = Database.from_url(db_url)
    assert current_revision(database.engine) is None
    upgrade(database.engine)
    tables = set(inspect(database.engine).get_table_names())
    assert {"observations", "observation_history", "source_status"} <= tables
    head = current_revision(database.engine)
    upgrade(database.engine)  # a second run is a no-op
    assert current_revision(database.engine) == head
    database.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
