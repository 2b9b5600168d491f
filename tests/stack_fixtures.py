"""End-to-end fixtures, loaded as a plugin by tests/conftest.py: the demo KPIs refreshed into a template
database once per session, then a running emulator + kpibot HTTP server per test, on a copy of it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpi_core.clock import ManualClock
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpibot_demo.data.prepare import prepare_demo
from kpibot_demo.stack import SandboxStack
from tests.conftest import DEMO_CONFIG

DEMO_NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # a Friday afternoon
CHANNELS = [
    "general",
    "kpi-daily",
    "kpi-weekly",
    "kpi-board",
    "kpi-alerts",
    "exec-alerts",
    "kpi-ops",
    "exec",  # the monthly board report's second channel (config/digests.yml)
    {"name": "outside", "bot_member": False},
]
USERS = [
    {"name": "cfo", "email": "cfo@northwind.example", "real_name": "Carla Finance", "tz": "America/New_York"},
    {"name": "ceo", "email": "ceo@northwind.example", "real_name": "Chen Exec", "tz": "America/New_York"},
    {"name": "head-of-cs", "email": "head-of-cs@northwind.example", "real_name": "Sam Success"},
    {"name": "cro", "email": "cro@northwind.example", "real_name": "Rita Revenue"},
    {"name": "dana", "email": "dana@northwind.example", "real_name": "Dana Analyst"},
]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kpibot SQLite database holding the refreshed demo KPIs (the warehouse stays beside it)."""
    folder = tmp_path_factory.mktemp("demo")
    os.environ["KPIBOT_WAREHOUSE_URL"] = f"sqlite:///{folder / 'warehouse.db'}"
    settings = Settings(DATABASE_URL=f"sqlite:///{folder / 'kpibot.db'}", KPIBOT_CONFIG=DEMO_CONFIG)
    runtime = Runtime.create(settings, clock=ManualClock(DEMO_NOW))
    summary = prepare_demo(runtime, now=DEMO_NOW)
    assert not summary.refresh.failed, summary.refresh.failed
    runtime.close()
    return folder / "kpibot.db"


@pytest.fixture
def demo_db_url(demo_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "kpibot.db"
    shutil.copy(demo_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_NOW)


@pytest.fixture
def stack(demo_db_url: str, clock: ManualClock) -> Iterator[SandboxStack]:
    with SandboxStack.start(
        config_dir=DEMO_CONFIG, database_url=demo_db_url, clock=clock, channels=CHANNELS, users=USERS
    ) as running:
        yield running
