"""The scheduled refresh closes the period that just ended."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from kpi_core.sources import store_for
from kpi_core.storage.db import Database
from scheduling.jobs import refresh_kpis
from tests.kpi_core.core_fixtures import fill_warehouse, make_config


def test_the_refresh_after_midnight_on_the_first_records_the_month_that_closed(
    sqlite_db: Database, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    fill_warehouse(url, ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (42)"])
    kpis = {"users": {"name": "Users", "grain": "monthly", "source": {"sql": "SELECT x FROM t"}}}
    config = make_config(tmp_path / "c", warehouse_url=url, kpis=kpis)
    half_past_midnight = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    refresh_kpis(config, sqlite_db, now=half_past_midnight, keys=["users"], timezone="UTC")
    assert store_for(config, sqlite_db).series(["users"])["users"] == [(date(2026, 11, 1), 42.0)]
