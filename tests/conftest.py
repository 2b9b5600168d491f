"""Shared fixtures: a fresh migrated database on SQLite and on PostgreSQL for every test that asks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest

from kpi_core.storage.db import Database
from kpi_core.storage.migrate import upgrade
from tests.pg import create_database, postgres_server

matplotlib.use("Agg")

pytest_plugins = ["tests.stack_fixtures"]  # the demo database and the running emulator + kpibot

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "config"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        if url is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL is required in CI: .ci/run installs it (apt-get install postgresql)")
            pytest.skip("no PostgreSQL binaries on this machine")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty database: a SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kpibot.db'}"
    admin = request.getfixturevalue("postgres_admin_url")
    return create_database(admin)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database (Alembic `upgrade head`), on SQLite and on PostgreSQL."""
    database = Database.from_url(db_url)
    upgrade(database.engine)
    yield database
    database.engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database, for tests that need storage but not both dialects."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'kpibot.db'}")
    upgrade(database.engine)
    yield database
    database.engine.dispose()
