from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, inspect

from kpi_core.catalog import UnknownKpiError
from kpi_core.clock import ManualClock
from kpi_core.config.loader import AppConfig, load_config
from kpi_core.evaluation import compute_snapshot
from kpi_core.runtime import Runtime
from kpi_core.service import KpiService
from kpi_core.settings import Settings
from kpi_core.sources import store_for
from kpi_core.standing import Health
from kpi_core.storage.db import Database
from kpi_core.windows import parse_window
from tests.kpi_core.core_fixtures import BASE_KPIS, write_config

NOW = datetime(2026, 3, 19, 12, tzinfo=UTC)
KPIS: dict[str, dict[str, Any]] = {
    **BASE_KPIS,
    "dau": {"name": "Daily active users", "category": "engagement", "grain": "daily", "target": 1000},
    "signups": {"name": "Signups", "category": "growth", "grain": "weekly"},
    "legacy": {"name": "Legacy metric", "category": "growth", "grain": "monthly"},
}
DASHBOARD = {
    "headline": ["mrr", "dau"],
    "charts": [{"title": "Revenue trend", "kpis": ["mrr", "arr"], "window": "6m"}],
    "quick_stats": ["churn_rate"],
}


@pytest.fixture
def config(tmp_path: Path) -> AppConfig:
    directory = write_config(
        tmp_path / "config", warehouse_url="sqlite://", kpis=KPIS, extra={"dashboard": DASHBOARD}
    )
    return load_config(directory, env={})


@pytest.fixture
def filled(db: Database, config: AppConfig) -> Database:
    """Two and a half years of data: monthly revenue, daily users, weekly signups, one very old value."""
    rows: list[tuple[str, date, float]] = []
    for index in range(27):  # 2024-01 .. 2026-03
        month = date(2024 + index // 12, index % 12 + 1, 1)
        rows += [("mrr", month, 5000.0 + 250 * index), ("arr", month, (5000.0 + 250 * index) * 12)]
        rows.append(("churn_rate", month, 3.5 - index * 0.05))
    day = date(2025, 1, 1)
    while day <= date(2026, 3, 18):
        if day != date(2026, 3, 10):  # one missing day
            rows.append(("dau", day, 800.0 + day.toordinal() % 50))
        day += timedelta(days=1)
    rows += [("signups", date(2026, 1, 5) + timedelta(weeks=w), 40.0 + w) for w in range(10)]
    rows.append(("legacy", date(2023, 6, 1), 7.0))
    store_for(config, db).record_many(rows, source="push", now=NOW - timedelta(days=1))
    store_for(config, db).record_source_status(
        {"mrr": None, "customers": "no such table: customers"}, now=NOW
    )
    return db


def _service(config: AppConfig, db: Database, *, now: datetime = NOW, timezone: str = "UTC") -> KpiService:
    return KpiService(config, db, clock=ManualClock(now), timezone=timezone)


def test_a_snapshot_reads_the_store_and_the_source_status(filled: Database, config: AppConfig) -> None:
    service = _service(config, filled)
    mrr = service.snapshot("MRR")  # names and aliases work as keys do
    assert (mrr.period, mrr.value, mrr.previous) == (date(2026, 3, 1), 11500.0, 11250.0)
    assert mrr.change is not None and mrr.change.label == "MoM"
    assert mrr.year_over_year is not None and mrr.year_over_year.reference == 8500.0
    assert mrr.recorded_at == NOW - timedelta(days=1)
    assert len(mrr.series) == 12 and mrr.source_error is None
    assert service.snapshot("customers").source_error == "no such table: customers"
    assert service.snapshot("customers").health is Health.NO_DATA
    churn = service.snapshot("churn_rate", at=date(2025, 6, 30))
    assert churn.value == pytest.approx(3.5 - 17 * 0.05) and churn.progress == pytest.approx(2 / churn.value)
    with pytest.raises(UnknownKpiError) as error:
        service.snapshot("mrrr")
    assert error.value.suggestions[0] == "mrr"


def test_batched_snapshots_match_snapshots_from_all_history(filled: Database, config: AppConfig) -> None:
    service = _service(config, filled)
    everything = service.store.observations(config.kpis)
    for at in (date(2026, 3, 19), date(2026, 3, 10), date(2025, 2, 1), date(2024, 1, 15), date(2023, 7, 1)):
        for window in (
            None,
            parse_window("3d"),
            parse_window("30d"),
            parse_window("2y"),
            parse_window("all"),
        ):
            batched = service.snapshots(at=at, window=window)
            for snapshot in batched:
                rows = [(o.period, o.value) for o in everything[snapshot.kpi.key] if o.period <= at]
                expected = compute_snapshot(
                    snapshot.kpi,
                    rows,
                    at=at,
                    now=NOW,
                    window=window,
                    recorded_at=snapshot.recorded_at,
                    source_error=snapshot.source_error,
                )
                assert snapshot == expected, (snapshot.kpi.key, at, window)


def test_snapshots_of_every_kpi_take_at_most_three_queries(filled: Database, config: AppConfig) -> None:
    service = _service(config, filled)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(filled.engine, "before_cursor_execute", listener)
    try:
        snapshots = service.snapshots()
    finally:
        event.remove(filled.engine, "before_cursor_execute", listener)
    assert [s.kpi.key for s in snapshots] == list(KPIS)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3


def test_a_stale_value_older_than_the_window_is_still_shown(filled: Database, config: AppConfig) -> None:
    legacy = _service(config, filled).snapshot("legacy")
    assert (legacy.value, legacy.period, legacy.stale) == (7.0, date(2023, 6, 1), True)
    assert all(point.value is None for point in legacy.series)  # nothing recorded inside the window


def test_today_is_in_the_configured_timezone(sqlite_db: Database, config: AppConfig) -> None:
    evening = datetime(2026, 3, 31, 20, tzinfo=UTC)
    assert _service(config, sqlite_db, now=evening).today() == date(2026, 3, 31)
    assert _service(config, sqlite_db, now=evening, timezone="Pacific/Auckland").today() == date(2026, 4, 1)


def test_the_dashboard_follows_kpis_yml(filled: Database, config: AppConfig) -> None:
    dashboard = _service(config, filled).dashboard()
    assert [s.kpi.key for s in dashboard.headline] == ["mrr", "dau"]
    [panel] = dashboard.panels
    assert (panel.title, panel.kind, [s.kpi.key for s in panel.snapshots]) == (
        "Revenue trend",
        "line",
        ["mrr", "arr"],
    )
    assert len(panel.snapshots[0].series) == 6  # the panel's window
    assert [s.kpi.key for s in dashboard.quick_stats] == ["churn_rate"]
    dau = dashboard.headline[1]
    # a flow: its series ends with the last complete day (18 March); 19 March is still running
    assert dau.value is not None and dau.series[-1].period == date(2026, 3, 18)
    missing = {point.period: point.value for point in dau.series}
    assert date(2026, 3, 10) in missing and missing[date(2026, 3, 10)] is None  # missing, not zero


def test_runtime_create_loads_config_and_migrates(tmp_path: Path) -> None:
    directory = write_config(tmp_path / "config", warehouse_url="sqlite://", kpis=KPIS)
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'kpibot.db'}", KPIBOT_CONFIG=str(directory)
    )
    runtime = Runtime.create(settings, clock=ManualClock(NOW))
    try:
        assert {"observations", "source_status"} <= set(inspect(runtime.db.engine).get_table_names())
        assert runtime.service.today() == date(2026, 3, 19)
        assert runtime.service.snapshot("mrr").health is Health.NO_DATA
    finally:
        runtime.close()
    unmigrated = Runtime.create(
        settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'other.db'}"}), migrate=False
    )
    assert inspect(unmigrated.db.engine).get_table_names() == []
    unmigrated.close()
