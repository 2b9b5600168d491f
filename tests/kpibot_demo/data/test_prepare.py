"""prepare_demo: build the warehouse when needed, refresh, and gather the executive summary's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kpi_core.clock import ManualClock
from kpibot_demo.data.prepare import prepare_demo, warehouse_end
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings
from kpi_core.standing import Goal, Health
from tests.conftest import DEMO_CONFIG

NOW = datetime(2026, 3, 19, 9, tzinfo=UTC)


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("KPIBOT_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'warehouse.db'}")
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'kpibot.db'}", KPIBOT_CONFIG=str(DEMO_CONFIG))
    return Runtime.create(settings, clock=ManualClock(NOW))


def test_prepare_builds_refreshes_and_summarizes(runtime: Runtime, tmp_path: Path) -> None:
    assert warehouse_end(f"sqlite:///{tmp_path / 'warehouse.db'}") is None
    assert not (tmp_path / "warehouse.db").exists()  # looking did not create it
    summary = prepare_demo(runtime, now=NOW, months=6)
    assert summary.built is not None and summary.built.end == NOW.date()
    assert summary.pushed > 0 and summary.refresh.ok
    assert [s.kpi.key for s in summary.snapshots] == list(runtime.config.kpis)
    assert [s.kpi.key for s in summary.dashboard.headline] == list(runtime.config.catalog.dashboard.headline)
    assert all(s.value is not None for s in summary.snapshots)
    # attention: critical or warning health, or behind target (whatever the health)
    assert summary.attention
    for s in summary.attention:
        behind = s.goal is not None and s.goal.goal is Goal.BEHIND
        assert s.health in (Health.CRITICAL, Health.WARNING) or behind
    assert all(s.change and s.change.improved for s in summary.wins)
    assert summary.database_url.endswith("kpibot.db")

    again = prepare_demo(runtime, now=NOW + timedelta(hours=2), months=6)
    assert again.built is None and again.pushed == 0  # same day: the warehouse is reused
    assert all(r.inserted == 0 for r in again.refresh.results)

    tomorrow = prepare_demo(runtime, now=NOW + timedelta(days=1), months=6)
    assert tomorrow.built is not None and tomorrow.at == NOW.date() + timedelta(days=1)
    runtime.close()


def test_a_fresh_database_next_to_a_current_warehouse_gets_the_pushed_values(
    runtime: Runtime, tmp_path: Path
) -> None:
    prepare_demo(runtime, now=NOW, months=6)
    runtime.close()
    settings = runtime.settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'other.db'}"})
    fresh = Runtime.create(settings, clock=ManualClock(NOW))
    summary = prepare_demo(fresh, now=NOW, months=6)
    assert summary.built is not None and summary.pushed > 0
    fresh.close()
